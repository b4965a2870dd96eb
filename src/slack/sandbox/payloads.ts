/**
 * Interaction payloads as Slack builds them (Slack's "Interaction payloads" reference: block_actions,
 * view_submission), made by the sandbox from a message or view it really holds, and the signed form request that
 * carries them (`payload=<JSON>`, `X-Slack-Signature`, `X-Slack-Request-Timestamp`).
 */
import { computeSlackSignature } from '../signature.js';
import { SANDBOX_BOT, SANDBOX_TEAM, type SandboxMessage, type SandboxUser } from './sandbox.js';

/** Thrown for a click or submission the sandbox cannot make; `field` names the request field at fault. */
export class SandboxRequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly statusCode: 400 | 404 = 400,
  ) {
    super(message);
  }
}

/** A button found in a message: the block it sits in and the element itself. */
export interface FoundButton {
  blockId: string;
  button: Record<string, unknown>;
}

/** The button with `actionId` in actions blocks' elements or section accessories, or null. */
export function findButton(blocks: unknown[] | null, actionId: string): FoundButton | null {
  for (const block of blocks ?? []) {
    if (typeof block !== 'object' || block === null) continue;
    const b = block as Record<string, unknown>;
    const blockId = typeof b.block_id === 'string' ? b.block_id : '';
    const candidates = [...(Array.isArray(b.elements) ? b.elements : []), ...(b.accessory !== undefined ? [b.accessory] : [])];
    for (const e of candidates) {
      if (typeof e === 'object' && e !== null && (e as Record<string, unknown>).type === 'button' && (e as Record<string, unknown>).action_id === actionId) {
        return { blockId, button: e as Record<string, unknown> };
      }
    }
  }
  return null;
}

function slackUser(u: SandboxUser): Record<string, unknown> {
  return { id: u.id, username: u.name, name: u.name, team_id: SANDBOX_TEAM.id };
}

/**
 * The block_actions payload Slack sends when `user` clicks the button `actionId` of `message` in `channelName`:
 * `actions[0]` carries the button's `action_id`, `block_id`, `text`, `value`, `style`; `message` is the message
 * as it is now; `container` points at it; `trigger_id` and `response_url` are fresh.
 * @throws SandboxRequestError (field `actionId`) when the message has no such button, or it is a link button
 *   (those open their URL; there is nothing to send).
 */
export function blockActionsPayload(opts: {
  message: SandboxMessage;
  channelName: string;
  actionId: string;
  user: SandboxUser;
  triggerId: string;
  responseUrl: string;
  nowMs: number;
}): Record<string, unknown> {
  const found = findButton(opts.message.blocks, opts.actionId);
  if (!found) {
    throw new SandboxRequestError('actionId', `the message has no button with action_id "${opts.actionId}" (any more: it may have been updated)`);
  }
  const { button, blockId } = found;
  if (typeof button.url === 'string' && button.value === undefined && !String(opts.actionId).startsWith('judgment:')) {
    throw new SandboxRequestError('actionId', `"${opts.actionId}" is a link button: open its URL (${button.url}) instead`);
  }
  const actionTs = (opts.nowMs / 1000).toFixed(6);
  const action: Record<string, unknown> = {
    action_id: opts.actionId,
    block_id: blockId,
    text: { ...((button.text ?? { type: 'plain_text', text: '' }) as Record<string, unknown>), emoji: true },
    type: 'button',
    action_ts: actionTs,
  };
  if (button.value !== undefined) action.value = button.value;
  if (button.style !== undefined) action.style = button.style;
  const m = opts.message;
  return {
    type: 'block_actions',
    user: slackUser(opts.user),
    api_app_id: SANDBOX_BOT.appId,
    token: 'sandbox-verification-token-unused',
    container: { type: 'message', message_ts: m.ts, channel_id: m.channel, is_ephemeral: false, ...(m.threadTs ? { thread_ts: m.threadTs } : {}) },
    trigger_id: opts.triggerId,
    team: { id: SANDBOX_TEAM.id, domain: SANDBOX_TEAM.domain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: m.channel, name: opts.channelName },
    message: {
      type: 'message',
      subtype: 'bot_message',
      user: SANDBOX_BOT.userId,
      bot_id: SANDBOX_BOT.botId,
      ts: m.ts,
      text: m.text,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
    },
    state: { values: {} },
    response_url: opts.responseUrl,
    actions: [action],
  };
}

/** Input blocks of a view: (block_id, action_id, element type) of each `input` block's element. */
export function viewInputs(view: Record<string, unknown>): Array<{ blockId: string; actionId: string; type: string; optional: boolean }> {
  const out: Array<{ blockId: string; actionId: string; type: string; optional: boolean }> = [];
  for (const b of Array.isArray(view.blocks) ? view.blocks : []) {
    if (typeof b !== 'object' || b === null) continue;
    const r = b as Record<string, unknown>;
    const el = r.element as Record<string, unknown> | undefined;
    if (r.type === 'input' && el && typeof r.block_id === 'string' && typeof el.action_id === 'string') {
      out.push({ blockId: r.block_id, actionId: el.action_id, type: String(el.type), optional: r.optional === true });
    }
  }
  return out;
}

/**
 * The view_submission payload Slack sends when `user` submits `view`: the view echoed back (id, callback_id,
 * private_metadata, …) with `state.values[block_id][action_id] = {type, value}` for every input block. An empty
 * value is sent as null, as Slack does for an optional field left empty.
 * @param values typed values, `values[block_id][action_id]`; inputs not given are empty.
 * @throws SandboxRequestError (field `values.<block_id>.<action_id>`) when a required input is empty, or a value
 *   names an input the view does not have, or is not a string.
 */
export function viewSubmissionPayload(opts: {
  view: Record<string, unknown>;
  user: SandboxUser;
  values: Record<string, Record<string, unknown>>;
  triggerId: string;
}): Record<string, unknown> {
  const inputs = viewInputs(opts.view);
  for (const [blockId, byAction] of Object.entries(opts.values)) {
    if (typeof byAction !== 'object' || byAction === null) throw new SandboxRequestError(`values.${blockId}`, 'expected an object {action_id: value}');
    for (const [actionId, v] of Object.entries(byAction)) {
      if (!inputs.some((i) => i.blockId === blockId && i.actionId === actionId)) {
        throw new SandboxRequestError(`values.${blockId}.${actionId}`, 'the view has no such input');
      }
      if (v !== null && typeof v !== 'string') throw new SandboxRequestError(`values.${blockId}.${actionId}`, 'expected a string');
    }
  }
  const state: Record<string, Record<string, unknown>> = {};
  for (const i of inputs) {
    const raw = opts.values[i.blockId]?.[i.actionId];
    const value = typeof raw === 'string' && raw.trim() !== '' ? raw : null;
    if (value === null && !i.optional) throw new SandboxRequestError(`values.${i.blockId}.${i.actionId}`, 'this field is required');
    (state[i.blockId] ??= {})[i.actionId] = { type: i.type, value };
  }
  return {
    type: 'view_submission',
    team: { id: SANDBOX_TEAM.id, domain: SANDBOX_TEAM.domain },
    user: slackUser(opts.user),
    api_app_id: SANDBOX_BOT.appId,
    token: 'sandbox-verification-token-unused',
    trigger_id: opts.triggerId,
    enterprise: null,
    is_enterprise_install: false,
    view: { ...opts.view, state: { values: state } },
    response_urls: [],
  };
}

/**
 * The request Slack sends to the Interactivity Request URL for `payload`: form body `payload=<JSON>` and headers
 * `X-Slack-Request-Timestamp` (epoch seconds) and `X-Slack-Signature` (`v0=` HMAC-SHA256 with the signing secret).
 */
export function signedInteraction(signingSecret: string, payload: object, nowMs: number): { body: string; headers: Record<string, string> } {
  const timestamp = String(Math.floor(nowMs / 1000));
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': computeSlackSignature(signingSecret, timestamp, body),
    },
  };
}
