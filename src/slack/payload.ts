/**
 * Parsing of Slack interactivity requests (button clicks) into a channel-neutral {@link JudgmentClick}.
 *
 * Slack POSTs `application/x-www-form-urlencoded` with one field, `payload`, holding JSON (Slack,
 * "Handling user interaction"). Two payload shapes carry button clicks:
 * - `block_actions` (Block Kit buttons, what SlackOps posts): `actions[]` with `action_id` and `value`;
 * - `interactive_message` (legacy attachment buttons, what Spinnaker's echo posts): `callback_id` and `actions[]`
 *   with `name` and `value`.
 *
 * A third, `view_submission`, carries the reject-with-reason modal ({@link parseInteraction}).
 *
 * Pure: no I/O. Every problem with a payload that is meant for us is a {@link SlackPayloadError} (HTTP 400);
 * payloads that are not judgment clicks come back as `{ kind: 'ignored' }`. For any JSON input, nothing but
 * SlackPayloadError is ever thrown.
 */
import type { JudgmentStatus } from '../model/judgment.js';

/** Slack's limit on a button `value` (Block Kit button element reference): 2,000 characters. */
export const SLACK_BUTTON_VALUE_MAX = 2000;

/** Prefix of every `action_id` SlackOps gives a judgment button (`judgment:continue`, `judgment:continue:3`, `judgment:stop`). */
export const JUDGMENT_ACTION_PREFIX = 'judgment:';

/** Version tag of our button value encoding; a future format gets a new tag. */
const VALUE_TAG = 'mj1';

/**
 * A malformed interactivity request (map to HTTP 400). `field` names where the problem is, as a path into the
 * request (`payload`, `user.id`, `actions[0].value`, `callback_id`, ...). The message names the field and the
 * problem and never echoes more than a short excerpt of what was received.
 */
export class SlackPayloadError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`Slack interaction payload: ${field} ${problem}`);
    this.name = 'SlackPayloadError';
    this.field = field;
  }
}

/** The decoded content of one of our judgment buttons' `value`. */
export interface JudgmentButtonValue {
  executionId: string;
  /** The stage's `id` (or refId) as the message was built with. */
  stageId: string;
  judgmentStatus: JudgmentStatus;
  /** Index into the stage's `judgmentInputs`, or null for plain Approve/Reject. */
  inputIndex: number | null;
}

/** A judgment button click, whichever payload shape it came in. */
export interface JudgmentClick {
  kind: 'judgment';
  payloadType: 'block_actions' | 'interactive_message';
  executionId: string;
  stageId: string;
  judgmentStatus: JudgmentStatus;
  /** Index into the stage's `judgmentInputs` (resolve it against the stored stage), or null. */
  inputIndex: number | null;
  /** Slack user id of the clicker (`user.id`), e.g. `U0ALICE`. */
  slackUserId: string;
  /** Slack user name of the clicker (`user.username`, else `user.name`, else the id). Not an identity: look up users.info. */
  slackUserName: string;
  teamId: string | null;
  channelId: string | null;
  /** `ts` of the message holding the button. */
  messageTs: string | null;
  /** Where to send an ephemeral reply or replace the message (valid 30 minutes, a few uses). */
  responseUrl: string | null;
  triggerId: string | null;
  /** The clicked action's `action_id` (block_actions) or `name` (interactive_message). */
  actionId: string | null;
}

/**
 * A submitted reject-with-reason modal (`view_submission` of the view built by `rejectReasonModal`, callback_id
 * {@link REJECT_CALLBACK_ID}): the person confirmed the rejection, optionally with a reason.
 */
export interface RejectSubmission {
  kind: 'reject_reason';
  executionId: string;
  stageId: string;
  /** What was typed in the modal's reason field, trimmed; null when left empty. At most 2,000 characters as sent by Slack. */
  reason: string | null;
  /** Slack user id of the submitter (`user.id`). */
  slackUserId: string;
  /** Slack user name of the submitter (`user.username`, else `user.name`, else the id). Not an identity. */
  slackUserName: string;
  teamId: string | null;
  /** Channel of the judgment message the Reject button was in (from the modal's private_metadata), if known. */
  channelId: string | null;
  /** `ts` of that judgment message (from private_metadata), if known. */
  messageTs: string | null;
  /** The modal's `view.id` (e.g. `V0123ABC`), for logs and views.update. */
  viewId: string | null;
  /**
   * The Reject click's `response_url` carried in private_metadata (valid 30 minutes after the click, a few uses),
   * for an ephemeral reply; null when it was not known or did not fit. Extension of the brief's shape.
   */
  responseUrl: string | null;
}

/** A payload that is not a judgment click (another interaction type, another app's button, ...). */
export interface IgnoredInteraction {
  kind: 'ignored';
  /** Why, in words, for logs. */
  reason: string;
}

const MAX_INPUT_INDEX = 999_999;

/** `callback_id` of the reject-with-reason modal; a `view_submission` carrying it is a {@link RejectSubmission}. */
export const REJECT_CALLBACK_ID = 'judgment:reject';

/** `block_id` of the reason input block in the reject modal (the key under `view.state.values`). */
export const REJECT_REASON_BLOCK_ID = 'reason';

/** `action_id` of the reason plain_text_input (the key under `view.state.values.reason`). */
export const REJECT_REASON_ACTION_ID = 'reason';

/** Slack's limit on a view's `private_metadata` (modal view object reference): 3,000 characters. */
export const SLACK_PRIVATE_METADATA_MAX = 3000;

/** Version tag of the reject modal's private_metadata encoding. */
const METADATA_TAG = 'rj1';

// ---------------------------------------------------------------------------------------------------------------
// Form body

/**
 * Parses the body of an interactivity request.
 *
 * @param rawBody the raw `application/x-www-form-urlencoded` body (after signature verification).
 * @returns the JSON object in the single `payload` field.
 * @throws SlackPayloadError field `payload` when the field is missing, repeated, not JSON, or not a JSON object.
 * Source: Slack, "Handling user interaction" (the payload is a form field holding JSON).
 */
export function parseInteractionBody(rawBody: string): Record<string, unknown> {
  if (typeof rawBody !== 'string') throw new SlackPayloadError('payload', 'is missing: the body is not text');
  const values = new URLSearchParams(rawBody).getAll('payload');
  if (values.length === 0) throw new SlackPayloadError('payload', 'is missing from the form body');
  if (values.length > 1) throw new SlackPayloadError('payload', 'is repeated in the form body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(values[0] as string);
  } catch {
    throw new SlackPayloadError('payload', 'is not valid JSON');
  }
  if (!isRecord(parsed)) {
    throw new SlackPayloadError('payload', `is JSON but not an object (got ${describe(parsed)})`);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------------
// Button value

/**
 * Encodes what a judgment button means into its Block Kit `value`.
 *
 * Format: `mj1:<c|s>:<index or ->:<executionId>:<stageId>`, ids percent-encoded (`encodeURIComponent`, so `:`
 * inside an id cannot confuse the split). The judgment input is referenced by its index into the stage's
 * `judgmentInputs`, never copied, so inputs of any length stay valid. With ids of 64 characters the value is at
 * most ~1,170 characters even if every character needs 4-byte UTF-8 escaping; Slack allows 2,000.
 *
 * @throws RangeError when an id is empty or not well-formed Unicode (a lone surrogate), `inputIndex` is not an
 *   integer in 0..999999, or the encoded value would exceed Slack's 2,000-character limit (ids far longer than
 *   64 characters).
 */
export function encodeButtonValue(v: {
  executionId: string;
  stageId: string;
  judgmentStatus: JudgmentStatus;
  inputIndex: number | null;
}): string {
  if (!v.executionId) throw new RangeError('encodeButtonValue: executionId is empty');
  if (!v.stageId) throw new RangeError('encodeButtonValue: stageId is empty');
  if (v.judgmentStatus !== 'continue' && v.judgmentStatus !== 'stop') {
    throw new RangeError('encodeButtonValue: judgmentStatus must be "continue" or "stop"');
  }
  if (v.inputIndex !== null && !(Number.isInteger(v.inputIndex) && v.inputIndex >= 0 && v.inputIndex <= MAX_INPUT_INDEX)) {
    throw new RangeError(`encodeButtonValue: inputIndex must be an integer in 0..${MAX_INPUT_INDEX} or null`);
  }
  const value = [
    VALUE_TAG,
    v.judgmentStatus === 'continue' ? 'c' : 's',
    v.inputIndex === null ? '-' : String(v.inputIndex),
    percentEncode(v.executionId, 'executionId'),
    percentEncode(v.stageId, 'stageId'),
  ].join(':');
  if (value.length > SLACK_BUTTON_VALUE_MAX) {
    throw new RangeError(
      `encodeButtonValue: encoded value is ${value.length} characters; Slack allows ${SLACK_BUTTON_VALUE_MAX}`,
    );
  }
  return value;
}

/** True when `s` looks like one of our encoded values (cheap prefix test, no validation). */
export function isEncodedButtonValue(s: unknown): s is string {
  return typeof s === 'string' && s.startsWith(`${VALUE_TAG}:`);
}

/**
 * Decodes a button `value` made by {@link encodeButtonValue}.
 *
 * @param s the value Slack echoed back in the click payload.
 * @param field where the value was found, for the error (default `value`).
 * @throws SlackPayloadError (with `field`) when `s` is not a string, longer than 2,000 characters, or not in
 *   the `mj1:...` format (unknown tag or status, bad index, empty or badly percent-encoded id).
 */
export function decodeButtonValue(s: unknown, field = 'value'): JudgmentButtonValue {
  if (typeof s !== 'string') throw new SlackPayloadError(field, `is not a string (got ${describe(s)})`);
  if (s.length > SLACK_BUTTON_VALUE_MAX) {
    throw new SlackPayloadError(field, `is longer than ${SLACK_BUTTON_VALUE_MAX} characters`);
  }
  const parts = s.split(':');
  if (parts.length !== 5 || parts[0] !== VALUE_TAG) {
    throw new SlackPayloadError(field, 'is not a SlackOps judgment button value');
  }
  const [, status, index, exec, stage] = parts as [string, string, string, string, string];
  let judgmentStatus: JudgmentStatus;
  if (status === 'c') judgmentStatus = 'continue';
  else if (status === 's') judgmentStatus = 'stop';
  else throw new SlackPayloadError(field, 'has an unknown judgment status');
  let inputIndex: number | null;
  if (index === '-') inputIndex = null;
  else if (/^(0|[1-9]\d{0,5})$/.test(index)) inputIndex = Number(index);
  else throw new SlackPayloadError(field, 'has an invalid judgment input index');
  const executionId = percentDecode(exec);
  const stageId = percentDecode(stage);
  if (!executionId) throw new SlackPayloadError(field, 'has an empty or badly encoded execution id');
  if (!stageId) throw new SlackPayloadError(field, 'has an empty or badly encoded stage id');
  return { executionId, stageId, judgmentStatus, inputIndex };
}

// ---------------------------------------------------------------------------------------------------------------
// Reject modal private_metadata

/** What the reject modal carries in its `private_metadata`: the judgment, and where the Reject click came from. */
export interface RejectModalMetadata {
  executionId: string;
  stageId: string;
  /** Channel id of the judgment message, or null. */
  channelId: string | null;
  /** `ts` of the judgment message, or null. */
  messageTs: string | null;
  /** The Reject click's `response_url`, or null. */
  responseUrl: string | null;
}

/**
 * Encodes the reject modal's `private_metadata`, in the style of {@link encodeButtonValue}:
 * `rj1:<executionId>:<stageId>:<channelId>:<messageTs>:<responseUrl>`, each part percent-encoded
 * (`encodeURIComponent`), an empty part meaning null. With ids of at most 64 characters the result stays far
 * below Slack's 3,000-character limit; a `responseUrl` that would push it over is left out (the reply then goes
 * by chat.postEphemeral to `channelId`).
 *
 * @throws RangeError when `executionId` or `stageId` is empty, any part is not well-formed Unicode (a lone
 *   surrogate), or the ids alone exceed 3,000 characters once encoded.
 * Source: Slack modal view object reference (`private_metadata`, at most 3,000 characters).
 */
export function encodeRejectMetadata(m: {
  executionId: string;
  stageId: string;
  channelId?: string | null;
  messageTs?: string | null;
  responseUrl?: string | null;
}): string {
  if (!m.executionId) throw new RangeError('encodeRejectMetadata: executionId is empty');
  if (!m.stageId) throw new RangeError('encodeRejectMetadata: stageId is empty');
  const enc = (v: string | null | undefined, what: string): string =>
    v ? percentEncode(v, what, 'encodeRejectMetadata') : '';
  const head = [
    METADATA_TAG,
    enc(m.executionId, 'executionId'),
    enc(m.stageId, 'stageId'),
    enc(m.channelId, 'channelId'),
    enc(m.messageTs, 'messageTs'),
  ].join(':');
  const withUrl = `${head}:${enc(m.responseUrl, 'responseUrl')}`;
  if (withUrl.length <= SLACK_PRIVATE_METADATA_MAX) return withUrl;
  const without = `${head}:`;
  if (without.length <= SLACK_PRIVATE_METADATA_MAX) return without;
  throw new RangeError(
    `encodeRejectMetadata: encoded metadata is ${without.length} characters; Slack allows ${SLACK_PRIVATE_METADATA_MAX}`,
  );
}

/**
 * Decodes a reject modal's `private_metadata` made by {@link encodeRejectMetadata}.
 * @param field where the value was found, for the error (default `view.private_metadata`).
 * @throws SlackPayloadError (with `field`) when `s` is not a string, longer than 3,000 characters, not in the
 *   `rj1:...` format, or has an empty or badly percent-encoded execution or stage id.
 */
export function decodeRejectMetadata(s: unknown, field = 'view.private_metadata'): RejectModalMetadata {
  if (typeof s !== 'string') throw new SlackPayloadError(field, `is not a string (got ${describe(s)})`);
  if (s.length > SLACK_PRIVATE_METADATA_MAX) {
    throw new SlackPayloadError(field, `is longer than ${SLACK_PRIVATE_METADATA_MAX} characters`);
  }
  const parts = s.split(':');
  if (parts.length !== 6 || parts[0] !== METADATA_TAG) {
    throw new SlackPayloadError(field, 'is not SlackOps reject-modal metadata');
  }
  const [, exec, stage, channel, ts, url] = parts as [string, string, string, string, string, string];
  const executionId = percentDecode(exec);
  const stageId = percentDecode(stage);
  if (!executionId) throw new SlackPayloadError(field, 'has an empty or badly encoded execution id');
  if (!stageId) throw new SlackPayloadError(field, 'has an empty or badly encoded stage id');
  const optional = (v: string, what: string): string | null => {
    if (v === '') return null;
    const d = percentDecode(v);
    if (d === null) throw new SlackPayloadError(field, `has a badly encoded ${what}`);
    return d === '' ? null : d;
  };
  return {
    executionId,
    stageId,
    channelId: optional(channel, 'channel id'),
    messageTs: optional(ts, 'message ts'),
    responseUrl: optional(url, 'response_url'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Interaction payloads

/**
 * Reads any interactivity payload SlackOps handles:
 *
 * - `block_actions` / `interactive_message`: a judgment button click, exactly as {@link parseJudgmentClick}
 *   (to which this delegates).
 * - `view_submission` with `view.callback_id` {@link REJECT_CALLBACK_ID}: a {@link RejectSubmission}; the reason
 *   is `view.state.values.reason.reason.value` (trimmed, empty or absent → null), the execution, stage, channel,
 *   message ts and response_url come from `view.private_metadata` ({@link decodeRejectMetadata}). A submission
 *   of another view (another callback_id, or no view) → ignored.
 * - `view_closed` (sent only for modals opened with `notify_on_close`, which ours are not) → ignored:
 *   "modal closed: nothing changes".
 * - anything else → ignored, as {@link parseJudgmentClick} says.
 *
 * @returns a {@link JudgmentClick}, a {@link RejectSubmission}, or `{ kind: 'ignored', reason }`.
 * @throws SlackPayloadError naming the field when a payload meant for us is malformed (see
 *   {@link parseJudgmentClick}; for a reject submission: no `user.id`, bad `view.private_metadata`, a reason
 *   value that is neither a string nor null). Never throws anything else, for any JSON value.
 * Sources: Slack's block_actions and view interaction payload references (view_submission, view_closed).
 */
export function parseInteraction(
  payload: Record<string, unknown>,
): JudgmentClick | RejectSubmission | IgnoredInteraction {
  if (!isRecord(payload)) throw new SlackPayloadError('payload', `is not an object (got ${describe(payload)})`);
  const type = own(payload, 'type');
  if (type === 'view_submission') return parseViewSubmission(payload);
  if (type === 'view_closed') {
    const callbackId = own(recordOrNull(own(payload, 'view')), 'callback_id');
    return {
      kind: 'ignored',
      reason:
        callbackId === REJECT_CALLBACK_ID
          ? 'modal closed: nothing changes'
          : 'view_closed of a view that is not a SlackOps modal: nothing changes',
    };
  }
  return parseJudgmentClick(payload);
}

function parseViewSubmission(payload: Record<string, unknown>): RejectSubmission | IgnoredInteraction {
  const view = recordOrNull(own(payload, 'view'));
  if (view === null) return { kind: 'ignored', reason: 'view_submission without a view' };
  const callbackId = own(view, 'callback_id');
  if (callbackId !== REJECT_CALLBACK_ID) {
    return {
      kind: 'ignored',
      reason:
        typeof callbackId === 'string'
          ? `view_submission of callback_id "${clip(callbackId)}" is not a SlackOps modal`
          : 'view_submission without a callback_id',
    };
  }
  const user = readUser(payload);
  const meta = decodeRejectMetadata(own(view, 'private_metadata'), 'view.private_metadata');
  const values = recordOrNull(own(recordOrNull(own(view, 'state')), 'values'));
  const input = recordOrNull(own(recordOrNull(own(values, REJECT_REASON_BLOCK_ID)), REJECT_REASON_ACTION_ID));
  const raw = own(input, 'value');
  if (raw !== undefined && raw !== null && typeof raw !== 'string') {
    throw new SlackPayloadError(
      `view.state.values.${REJECT_REASON_BLOCK_ID}.${REJECT_REASON_ACTION_ID}.value`,
      `is not a string or null (got ${describe(raw)})`,
    );
  }
  const reason = typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : null;
  return {
    kind: 'reject_reason',
    executionId: meta.executionId,
    stageId: meta.stageId,
    reason,
    slackUserId: user.id,
    slackUserName: user.name,
    teamId: str(own(recordOrNull(own(payload, 'team')), 'id')) ?? user.teamId ?? str(own(view, 'team_id')),
    channelId: meta.channelId,
    messageTs: meta.messageTs,
    viewId: str(own(view, 'id')),
    responseUrl: meta.responseUrl,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Click payloads

/**
 * Reads a judgment button click from an interactivity payload.
 *
 * - `block_actions`: the first action whose `action_id` starts with `judgment:` and whose `value` decodes
 *   ({@link decodeButtonValue}). When the `action_id` itself says `continue`/`stop` or carries an input index
 *   (`judgment:continue:3`), it must agree with the value. No `judgment:` action at all → ignored (someone
 *   clicked another button, e.g. the "View execution" link).
 * - `interactive_message` (legacy attachments): see {@link parseLegacyCallbackId} for the `callback_id` shapes
 *   accepted. The first action's `value` is either our encoded value or a word: `continue`/`yes`/`approve` →
 *   continue, `stop`/`no`/`reject` → stop (case-insensitive). A legacy click with an encoded value is accepted
 *   whatever its callback_id; otherwise a callback_id that is not ours is ignored.
 * - every other `type` (view_submission, shortcut, message_action, ...) or no type → ignored.
 *
 * @returns a {@link JudgmentClick}, or `{ kind: 'ignored', reason }`.
 * @throws SlackPayloadError naming the field when the payload is a judgment click but malformed: `actions`
 *   missing or not an array, no `user.id`, a judgment action whose value does not decode, status or index
 *   disagreeing between action_id and value, an unknown legacy action word, a malformed `slackops:` callback_id.
 *   Never throws anything else, for any JSON value.
 * Sources: Slack's block_actions and interactive_message payload references; spinnaker/echo
 * `SlackInteractiveNotificationService` for the legacy callback_id shape.
 */
export function parseJudgmentClick(payload: Record<string, unknown>): JudgmentClick | IgnoredInteraction {
  if (!isRecord(payload)) throw new SlackPayloadError('payload', `is not an object (got ${describe(payload)})`);
  const type = own(payload, 'type');
  if (type === 'block_actions') return parseBlockActions(payload);
  if (type === 'interactive_message') return parseInteractiveMessage(payload);
  if (typeof type !== 'string') return { kind: 'ignored', reason: 'payload has no type' };
  return { kind: 'ignored', reason: `payload type "${clip(type)}" is not a button click` };
}

function parseBlockActions(payload: Record<string, unknown>): JudgmentClick | IgnoredInteraction {
  const actions = own(payload, 'actions');
  if (!Array.isArray(actions)) throw new SlackPayloadError('actions', 'is missing or not an array');
  const candidates: Array<{ action: Record<string, unknown>; index: number; actionId: string }> = [];
  actions.forEach((action, index) => {
    if (!isRecord(action)) return;
    const actionId = own(action, 'action_id');
    if (typeof actionId === 'string' && actionId.startsWith(JUDGMENT_ACTION_PREFIX)) {
      candidates.push({ action, index, actionId });
    }
  });
  if (candidates.length === 0) return { kind: 'ignored', reason: 'no judgment action in the block_actions payload' };

  const user = readUser(payload);
  let firstError: SlackPayloadError | null = null;
  for (const { action, index, actionId } of candidates) {
    const field = `actions[${index}]`;
    let decoded: JudgmentButtonValue;
    try {
      decoded = decodeButtonValue(own(action, 'value'), `${field}.value`);
    } catch (err) {
      firstError ??= err instanceof SlackPayloadError ? err : new SlackPayloadError(`${field}.value`, 'is invalid');
      continue;
    }
    checkActionIdAgrees(actionId, decoded, `${field}.action_id`);
    const container = recordOrNull(own(payload, 'container'));
    const message = recordOrNull(own(payload, 'message'));
    return {
      kind: 'judgment',
      payloadType: 'block_actions',
      ...decoded,
      slackUserId: user.id,
      slackUserName: user.name,
      teamId: str(own(recordOrNull(own(payload, 'team')), 'id')) ?? user.teamId,
      channelId: str(own(recordOrNull(own(payload, 'channel')), 'id')) ?? str(own(container, 'channel_id')),
      messageTs: str(own(container, 'message_ts')) ?? str(own(message, 'ts')),
      responseUrl: str(own(payload, 'response_url')),
      triggerId: str(own(payload, 'trigger_id')),
      actionId,
    };
  }
  // candidates is non-empty, so firstError is set here.
  throw firstError ?? new SlackPayloadError('actions', 'holds no decodable judgment action');
}

/** action_id forms we produce: judgment:continue, judgment:continue:<i>, judgment:stop[:<i>]. */
function checkActionIdAgrees(actionId: string, v: JudgmentButtonValue, field: string): void {
  const parts = actionId.split(':');
  const status = parts[1];
  if ((status === 'continue' || status === 'stop') && status !== v.judgmentStatus) {
    throw new SlackPayloadError(field, `says "${status}" but the button value says "${v.judgmentStatus}"`);
  }
  const index = parts[2];
  if (index !== undefined && /^\d+$/.test(index) && Number(index) !== v.inputIndex) {
    throw new SlackPayloadError(field, 'names a judgment input other than the button value');
  }
}

/** A judgment target named by a legacy `callback_id`. */
export interface LegacyTarget {
  executionId: string;
  stageId: string;
}

/**
 * Reads a legacy attachment `callback_id`.
 *
 * Spinnaker's echo (`SlackInteractiveNotificationService.parseInteractionCallback`) splits `callback_id` on `:`
 * into `<serviceId>:<messageId>` and routes the click to the Spinnaker service named by serviceId
 * (`InteractiveNotificationCallbackHandler`); the message id is that service's opaque id. That shape names one
 * id, not an execution and a stage, so on its own it cannot identify a manual judgment.
 *
 * We accept the same `<service>:...` shape with the message id being `<executionId>:<stageId>`:
 * - `slackops:<executionId>:<stageId>` (ours) — exactly three parts, ids percent-decoded, else SlackPayloadError;
 * - `orca:<executionId>:<stageId>` (orca is the Spinnaker service that owns manual judgments).
 * Echo's two-part `<service>:<messageId>` (e.g. `orca:01HZX3EXAMPLE`) and any other service → `null`.
 * @throws SlackPayloadError for a `slackops:` callback_id that is not `slackops:<executionId>:<stageId>`.
 */
export function parseLegacyCallbackId(callbackId: string): LegacyTarget | null {
  const parts = callbackId.split(':');
  const service = parts[0];
  if (service === 'slackops') {
    const exec = parts.length === 3 ? percentDecode(parts[1] as string) : null;
    const stage = parts.length === 3 ? percentDecode(parts[2] as string) : null;
    if (!exec || !stage) throw new SlackPayloadError('callback_id', 'is not of the form slackops:<executionId>:<stageId>');
    return { executionId: exec, stageId: stage };
  }
  if (service === 'orca' && parts.length === 3) {
    const exec = percentDecode(parts[1] as string);
    const stage = percentDecode(parts[2] as string);
    if (exec && stage) return { executionId: exec, stageId: stage };
  }
  return null;
}

const LEGACY_WORDS: ReadonlyMap<string, JudgmentStatus> = new Map([
  ['continue', 'continue'],
  ['yes', 'continue'],
  ['approve', 'continue'],
  ['stop', 'stop'],
  ['no', 'stop'],
  ['reject', 'stop'],
]);

function parseInteractiveMessage(payload: Record<string, unknown>): JudgmentClick | IgnoredInteraction {
  const callbackRaw = own(payload, 'callback_id');
  const callbackId = typeof callbackRaw === 'string' ? callbackRaw : null;
  const actions = own(payload, 'actions');
  const first = Array.isArray(actions) ? actions[0] : undefined;
  const firstValue = isRecord(first) ? own(first, 'value') : undefined;

  // Ours when the callback_id names our service or an execution+stage, or when the value is our encoding.
  const target = callbackId !== null ? parseLegacyCallbackId(callbackId) : null;
  const encoded = isEncodedButtonValue(firstValue);
  if (!target && !encoded) {
    if (callbackId === null) return { kind: 'ignored', reason: 'interactive_message without a callback_id' };
    const parts = callbackId.split(':');
    if (parts.length === 2) {
      return {
        kind: 'ignored',
        reason:
          `callback_id "${clip(callbackId)}" is Spinnaker echo's <serviceId>:<messageId> shape, ` +
          'which names no execution and stage',
      };
    }
    return { kind: 'ignored', reason: `callback_id "${clip(callbackId)}" is not a SlackOps judgment` };
  }

  if (!Array.isArray(actions)) throw new SlackPayloadError('actions', 'is missing or not an array');
  if (!isRecord(first)) throw new SlackPayloadError('actions[0]', 'is missing or not an object');
  const user = readUser(payload);

  let decided: JudgmentButtonValue;
  if (encoded) {
    decided = decodeButtonValue(firstValue, 'actions[0].value');
    if (target && (target.executionId !== decided.executionId || target.stageId !== decided.stageId)) {
      throw new SlackPayloadError('callback_id', 'names another execution or stage than the button value');
    }
  } else {
    const word = typeof firstValue === 'string' ? LEGACY_WORDS.get(firstValue.trim().toLowerCase()) : undefined;
    if (!word) {
      throw new SlackPayloadError(
        'actions[0].value',
        'is not a judgment (expected continue/stop, yes/no, approve/reject)',
      );
    }
    // Not encoded, so the early return above was skipped only because target is set.
    const t = target as LegacyTarget;
    decided = { executionId: t.executionId, stageId: t.stageId, judgmentStatus: word, inputIndex: null };
  }

  const original = recordOrNull(own(payload, 'original_message'));
  const actionName = own(first, 'name');
  return {
    kind: 'judgment',
    payloadType: 'interactive_message',
    ...decided,
    slackUserId: user.id,
    slackUserName: user.name,
    teamId: str(own(recordOrNull(own(payload, 'team')), 'id')) ?? user.teamId,
    channelId: str(own(recordOrNull(own(payload, 'channel')), 'id')),
    messageTs: str(own(payload, 'message_ts')) ?? str(own(original, 'ts')),
    responseUrl: str(own(payload, 'response_url')),
    triggerId: str(own(payload, 'trigger_id')),
    actionId: typeof actionName === 'string' ? actionName : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

function readUser(payload: Record<string, unknown>): { id: string; name: string; teamId: string | null } {
  const user = own(payload, 'user');
  if (!isRecord(user)) throw new SlackPayloadError('user', 'is missing or not an object');
  const id = own(user, 'id');
  if (typeof id !== 'string' || id.trim() === '') throw new SlackPayloadError('user.id', 'is missing or empty');
  const name = str(own(user, 'username')) ?? str(own(user, 'name')) ?? id;
  return { id, name, teamId: str(own(user, 'team_id')) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function recordOrNull(v: unknown): Record<string, unknown> | null {
  return isRecord(v) ? v : null;
}

/** Own property only: never reads Object.prototype members such as `constructor` from a JSON object. */
function own(obj: Record<string, unknown> | null, key: string): unknown {
  return obj !== null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A non-empty string, else null. */
function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function percentEncode(s: string, what: string, fn = 'encodeButtonValue'): string {
  try {
    return encodeURIComponent(s);
  } catch {
    throw new RangeError(`${fn}: ${what} is not well-formed Unicode (lone surrogate)`);
  }
}

function percentDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** At most 80 characters of untrusted text, for messages. */
function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}
