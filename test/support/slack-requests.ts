/**
 * Builders of requests as Slack sends them to our interactivity endpoint: signed form bodies, block_actions
 * payloads made from the buttons of a message that was really posted (so tests click what users would see), and
 * view_submission / view_closed payloads made from a modal that was really opened.
 */
import type { ModalView } from '@slack/web-api';
import { computeSlackSignature } from '../../src/slack/signature.js';
import type { FakeSlackMessage, FakeSlackView } from './fake-slack.js';

/**
 * A signed interactivity request: body `payload=<url-encoded JSON>` and the headers Slack sends.
 * @param opts.timestamp epoch seconds for `X-Slack-Request-Timestamp` (default now).
 * @returns `body` (the raw form body) and lowercase `headers`: content-type, x-slack-signature,
 *   x-slack-request-timestamp.
 */
export function signedSlackRequest(opts: { signingSecret: string; payload: object; timestamp?: number }): {
  body: string;
  headers: Record<string, string>;
} {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const body = new URLSearchParams({ payload: JSON.stringify(opts.payload) }).toString();
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-signature': computeSlackSignature(opts.signingSecret, timestamp, body),
      'x-slack-request-timestamp': timestamp,
    },
  };
}

let clickSeq = 0;

interface FoundButton {
  blockId: string;
  button: Record<string, unknown>;
}

/** Finds the button with `actionId` in actions blocks' elements or section accessories. */
function findButton(blocks: unknown[], actionId: string): FoundButton | null {
  for (const block of blocks) {
    if (typeof block !== 'object' || block === null) continue;
    const b = block as Record<string, unknown>;
    const blockId = typeof b.block_id === 'string' ? b.block_id : 'auto';
    const candidates: unknown[] = [];
    if (Array.isArray(b.elements)) candidates.push(...b.elements);
    if (b.accessory !== undefined) candidates.push(b.accessory);
    for (const e of candidates) {
      if (typeof e === 'object' && e !== null && (e as Record<string, unknown>).action_id === actionId) {
        return { blockId, button: e as Record<string, unknown> };
      }
    }
  }
  return null;
}

/**
 * A block_actions payload (the shape of fixtures/slack-block-actions.json) for a click on the button with
 * `actionId` in `message` (a message kept by the fake Slack, or its blocks). The action's `value`, `text` and
 * `style` are the button's own.
 * @throws Error when the message has no button with that action_id (listing the ones it has).
 */
export function blockActionsClick(opts: {
  /** A message kept by the fake (or anything with `blocks`, e.g. `{ blocks: call.args.blocks }`), or the blocks. */
  message: FakeSlackMessage | { blocks?: unknown[] | undefined; text?: string } | unknown[];
  actionId: string;
  user: { id: string; name: string };
  channel: string;
  ts: string;
  responseUrl?: string;
}): Record<string, unknown> {
  const blocks = Array.isArray(opts.message) ? opts.message : (opts.message.blocks ?? []);
  const found = findButton(blocks, opts.actionId);
  if (!found) {
    const ids = blocks.flatMap((b) => {
      const r = (b ?? {}) as Record<string, unknown>;
      const els = [...(Array.isArray(r.elements) ? r.elements : []), ...(r.accessory ? [r.accessory] : [])];
      return els.map((e) => String((e as Record<string, unknown>)?.action_id ?? '?'));
    });
    throw new Error(`no button with action_id "${opts.actionId}" in the message (has: ${ids.join(', ') || 'none'})`);
  }
  const { button, blockId } = found;
  const text = (button.text ?? { type: 'plain_text', text: '' }) as Record<string, unknown>;
  // Unique per click, as Slack's are, even for two clicks in the same millisecond.
  clickSeq += 1;
  const nowTs = `${Math.floor(Date.now() / 1000)}.${String(clickSeq % 1_000_000).padStart(6, '0')}`;
  const messageText = Array.isArray(opts.message) ? '' : (opts.message.text ?? '');
  const action: Record<string, unknown> = {
    action_id: opts.actionId,
    block_id: blockId,
    text: { ...text, emoji: true },
    type: 'button',
    action_ts: nowTs,
  };
  if (button.value !== undefined) action.value = button.value;
  if (button.style !== undefined) action.style = button.style;
  return {
    type: 'block_actions',
    user: { id: opts.user.id, username: opts.user.name, name: opts.user.name, team_id: 'T0FAKE' },
    api_app_id: 'A0SLACKOPS',
    token: 'legacy-verification-token-do-not-use',
    container: { type: 'message', message_ts: opts.ts, channel_id: opts.channel, is_ephemeral: false },
    trigger_id: `${nowTs}.${clickSeq}.fake`,
    team: { id: 'T0FAKE', domain: 'fake' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: opts.channel, name: 'channel' },
    message: { type: 'message', bot_id: 'B0FAKEBOT', ts: opts.ts, text: messageText, blocks },
    state: { values: {} },
    response_url: opts.responseUrl ?? 'https://hooks.slack.com/actions/T0FAKE/1/fake',
    actions: [action],
  };
}

let viewSeq = 0;

/** A view as `viewSubmission` / `viewClosed` take it: an opened view recorded by the fake, its `view`, or a ModalView. */
export type SubmittableView = FakeSlackView | Record<string, unknown> | ModalView;

/** The view object itself, with an id (a fresh `V0LOCAL…` when it has none, e.g. a ModalView never opened). */
function viewObject(v: SubmittableView): Record<string, unknown> {
  const r = v as Record<string, unknown>;
  const inner =
    typeof r.triggerId === 'string' && typeof r.view === 'object' && r.view !== null
      ? (r.view as Record<string, unknown>)
      : r;
  if (typeof inner.id === 'string' && inner.id !== '') return inner;
  viewSeq += 1;
  return { ...inner, id: `V0LOCAL${String(viewSeq).padStart(6, '0')}` };
}

/** The (block_id, action_id) of the first input block holding a plain_text_input. */
function textInputOf(view: Record<string, unknown>): { blockId: string; actionId: string } | null {
  const blocks = Array.isArray(view.blocks) ? view.blocks : [];
  for (const b of blocks) {
    if (typeof b !== 'object' || b === null) continue;
    const r = b as Record<string, unknown>;
    const el = r.element as Record<string, unknown> | undefined;
    if (r.type === 'input' && el && el.type === 'plain_text_input' && typeof r.block_id === 'string' && typeof el.action_id === 'string') {
      return { blockId: r.block_id, actionId: el.action_id };
    }
  }
  return null;
}

/** The parts of a view interaction payload that do not depend on its type. */
function viewEnvelope(user: { id: string; name: string }): Record<string, unknown> {
  return {
    team: { id: 'T0FAKE', domain: 'fake' },
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T0FAKE' },
    api_app_id: 'A0SLACKOPS',
    token: 'legacy-verification-token-do-not-use',
    enterprise: null,
    is_enterprise_install: false,
  };
}

/**
 * A `view_submission` payload (Slack's view interaction payload reference) for submitting `view` as `user`
 * with `reason` typed in its text input: `view` is echoed back with its `id`, `callback_id` and
 * `private_metadata`, and `view.state.values[<block_id>][<action_id>]` is `{type: 'plain_text_input', value}`
 * for the view's first input block with a plain_text_input (for our reject modal: `reason` / `reason`). `reason`
 * null is what Slack sends for an optional field left empty.
 * @param opts.view an opened view as the fake recorded it (`fake.views()[0]` or its `.view`), or a ModalView.
 * @throws Error when the view has no input block with a plain_text_input.
 */
export function viewSubmission(opts: {
  view: SubmittableView;
  user: { id: string; name: string };
  reason: string | null;
}): Record<string, unknown> {
  const view = viewObject(opts.view);
  const input = textInputOf(view);
  if (!input) throw new Error('viewSubmission: the view has no input block with a plain_text_input');
  clickSeq += 1;
  const nowTs = `${Math.floor(Date.now() / 1000)}.${String(clickSeq % 1_000_000).padStart(6, '0')}`;
  return {
    type: 'view_submission',
    ...viewEnvelope(opts.user),
    trigger_id: `${nowTs}.${clickSeq}.fake`,
    view: {
      ...view,
      state: {
        values: { [input.blockId]: { [input.actionId]: { type: 'plain_text_input', value: opts.reason } } },
      },
    },
    response_urls: [],
  };
}

/**
 * A `view_closed` payload (Slack's view interaction payload reference), as Slack sends when `user` closes or
 * cancels `view` and the view was opened with `notify_on_close: true`.
 * @param opts.isCleared Slack's `is_cleared` (true when the whole view stack was cleared); default false.
 */
export function viewClosed(opts: {
  view: SubmittableView;
  user: { id: string; name: string };
  isCleared?: boolean;
}): Record<string, unknown> {
  const view = viewObject(opts.view);
  return {
    type: 'view_closed',
    ...viewEnvelope(opts.user),
    view: { ...view, state: { values: {} } },
    is_cleared: opts.isCleared ?? false,
  };
}
