/**
 * Slack wire format of managed delivery's judgement buttons: their `action_id`s and `value` encoding, and parsing a
 * click on one (in the style of payload.ts; pure, no I/O). The action ids are distinct from the pipeline
 * judgment's (`judgment:*`), so one signed callback serves both.
 */
import { SlackPayloadError } from './payload.js';

/** `action_id` of the Approve button (primary). */
export const MANAGED_APPROVE_ACTION = 'managed:approve';
/** `action_id` of the Reject button (danger). */
export const MANAGED_REJECT_ACTION = 'managed:reject';
/** Prefix of every managed delivery action id. */
export const MANAGED_ACTION_PREFIX = 'managed:';

const TAG = 'mdj1';
const VALUE_MAX = 2000;

/** What a judgement button refers to. */
export interface ManagedButtonValue {
  application: string;
  environment: string;
  reference: string;
  version: string;
}

/** A click on a managed judgement button. */
export interface ManagedJudgementClick {
  kind: 'managed_judgement';
  status: 'OVERRIDE_PASS' | 'OVERRIDE_FAIL';
  application: string;
  environment: string;
  reference: string;
  version: string;
  slackUserId: string;
  /** Slack user name (not an identity: users.info gives the email). */
  slackUserName: string;
  channelId: string | null;
  messageTs: string | null;
  responseUrl: string | null;
}

/**
 * Encodes a button `value`: `mdj1:<application>:<environment>:<reference>:<version>`, each part percent-encoded.
 * @throws RangeError when a part is empty or the value would exceed Slack's 2,000 characters.
 */
export function encodeManagedValue(v: ManagedButtonValue): string {
  const parts = [v.application, v.environment, v.reference, v.version];
  if (parts.some((p) => !p)) throw new RangeError('encodeManagedValue: every part must be non-empty');
  const value = [TAG, ...parts.map((p) => encodeURIComponent(p))].join(':');
  if (value.length > VALUE_MAX) throw new RangeError(`encodeManagedValue: ${value.length} characters; Slack allows ${VALUE_MAX}`);
  return value;
}

/**
 * Decodes a value made by {@link encodeManagedValue}.
 * @throws SlackPayloadError naming `field` when it is not one.
 */
export function decodeManagedValue(s: unknown, field = 'value'): ManagedButtonValue {
  if (typeof s !== 'string' || s.length > VALUE_MAX) throw new SlackPayloadError(field, 'is not a SlackOps managed delivery button value');
  const parts = s.split(':');
  if (parts.length !== 5 || parts[0] !== TAG) throw new SlackPayloadError(field, 'is not a SlackOps managed delivery button value');
  const decoded = parts.slice(1).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return '';
    }
  });
  if (decoded.some((p) => p === '')) throw new SlackPayloadError(field, 'has an empty or badly encoded part');
  const [application, environment, reference, version] = decoded as [string, string, string, string];
  return { application, environment, reference, version };
}

function rec(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
function own(o: Record<string, unknown> | null, k: string): unknown {
  return o !== null && Object.hasOwn(o, k) ? o[k] : undefined;
}
function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/**
 * Reads a managed judgement click from a `block_actions` payload: the first action whose `action_id` is
 * {@link MANAGED_APPROVE_ACTION} or {@link MANAGED_REJECT_ACTION}.
 * @returns the click, or null when the payload holds no managed action (another button, another payload type).
 * @throws SlackPayloadError when it holds one but it is malformed (bad value, no `user.id`).
 */
export function parseManagedClick(payload: Record<string, unknown>): ManagedJudgementClick | null {
  if (own(payload, 'type') !== 'block_actions') return null;
  const actions = own(payload, 'actions');
  if (!Array.isArray(actions)) return null;
  const index = actions.findIndex((a) => {
    const id = own(rec(a), 'action_id');
    return id === MANAGED_APPROVE_ACTION || id === MANAGED_REJECT_ACTION;
  });
  if (index < 0) return null;
  const action = rec(actions[index])!;
  const value = decodeManagedValue(own(action, 'value'), `actions[${index}].value`);
  const user = rec(own(payload, 'user'));
  const id = own(user, 'id');
  if (typeof id !== 'string' || id.trim() === '') throw new SlackPayloadError('user.id', 'is missing or empty');
  const container = rec(own(payload, 'container'));
  return {
    kind: 'managed_judgement',
    status: own(action, 'action_id') === MANAGED_APPROVE_ACTION ? 'OVERRIDE_PASS' : 'OVERRIDE_FAIL',
    ...value,
    slackUserId: id,
    slackUserName: str(own(user, 'username')) ?? str(own(user, 'name')) ?? id,
    channelId: str(own(rec(own(payload, 'channel')), 'id')) ?? str(own(container, 'channel_id')),
    messageTs: str(own(container, 'message_ts')) ?? str(own(rec(own(payload, 'message')), 'ts')),
    responseUrl: str(own(payload, 'response_url')),
  };
}
