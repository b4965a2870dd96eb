/**
 * Builders of requests as Slack sends them to our interactivity endpoint: signed form bodies and block_actions
 * payloads made from the buttons of a message that was really posted (so tests click what users would see).
 */
import { computeSlackSignature } from '../../src/slack/signature.js';
import type { FakeSlackMessage } from './fake-slack.js';

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
