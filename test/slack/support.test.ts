import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgmentMessage } from '../../src/slack/blocks.js';
import { SlackApi } from '../../src/slack/client.js';
import { parseInteractionBody, parseJudgmentClick } from '../../src/slack/payload.js';
import { verifySlackRequest } from '../../src/slack/signature.js';
import type { JudgmentView } from '../../src/model/judgment.js';
import { fakeChannelId, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { blockActionsClick, signedSlackRequest } from '../support/slack-requests.js';
import { fixture } from '../support/fixtures.js';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack({ token: 'xoxb-t' });
});
afterAll(() => fake.close());

const view: JudgmentView = {
  application: 'demo',
  pipelineName: 'deploy-to-prod',
  executionId: '01HEXEC',
  stageId: 'stage-1',
  refId: '2',
  stageName: 'Approve production',
  triggeredBy: 'carol',
  instructions: null,
  parameters: {},
  judgmentInputs: ['canary', 'full'],
  executionUrl: 'https://ui.example.com/e/01HEXEC',
  decision: null,
};

async function rawCall(method: string, body: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.baseUrl}/api/${method}`, { method: 'POST', body, headers });
  return (await res.json()) as Record<string, unknown>;
}

describe('fake Slack', () => {
  it('maps channel names to stable ids and passes ids through', () => {
    expect(fakeChannelId('demo_alerts')).toBe(fakeChannelId('#demo_alerts'));
    expect(fakeChannelId('demo_alerts')).toMatch(/^C[0-9A-F]{10}$/);
    expect(fakeChannelId('demo_alerts')).not.toBe(fakeChannelId('other'));
    expect(fakeChannelId('C0123456789')).toBe('C0123456789');
  });

  it('answers unknown methods, checks the token, parses JSON bodies', async () => {
    const auth = { authorization: 'Bearer xoxb-t', 'content-type': 'application/json' };
    expect(await rawCall('chat.nope', '{}', auth)).toEqual({ ok: false, error: 'unknown_method' });
    expect(await rawCall('auth.test', '{}', { authorization: 'Bearer wrong' })).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await rawCall('auth.test', '', {})).toEqual({ ok: false, error: 'invalid_auth' });
    const posted = await rawCall('chat.postMessage', JSON.stringify({ channel: 'x', text: 't', blocks: [{ type: 'divider' }] }), auth);
    expect(posted).toMatchObject({ ok: true, channel: fakeChannelId('x') });
    expect(fake.callsTo('chat.postMessage').at(-1)!.args.blocks).toEqual([{ type: 'divider' }]);
  });

  it('decodes form-encoded blocks, waits for calls, resets', async () => {
    const body = new URLSearchParams({ channel: 'x', text: 't', blocks: JSON.stringify([{ type: 'divider' }]), token: 'xoxb-t' });
    const pending = fake.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage' && c.args.text === 'form'), 2000);
    body.set('text', 'form');
    await rawCall('chat.postMessage', body.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    await pending;
    expect(fake.callsTo('chat.postMessage').at(-1)!.args.blocks).toEqual([{ type: 'divider' }]);
    fake.reset();
    expect(fake.calls).toEqual([]);
    expect(fake.messages()).toEqual([]);
    await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/not met within 50 ms/);
  });

  it('requires the channel id for chat.update, like Slack', async () => {
    const api = new SlackApi({ token: 'xoxb-t', baseUrl: fake.baseUrl });
    const ref = await api.postMessage('demo_alerts', { text: 'one' });
    await expect(api.updateMessage({ channel: 'demo_alerts', ts: ref.ts }, { text: 'two' })).rejects.toMatchObject({
      code: 'channel_not_found',
    });
    await api.updateMessage(ref, { text: 'two' });
    expect(fake.message('demo_alerts', ref.ts)?.text).toBe('two');
  });
});

describe('a click on a posted message, end to end through the pure parts', () => {
  it('posts, clicks the second input, signs, verifies and parses to the right judgment', async () => {
    const api = new SlackApi({ token: 'xoxb-t', baseUrl: fake.baseUrl });
    const ref = await api.postMessage('#demo_alerts', judgmentMessage(view));
    const message = fake.message(ref.channel, ref.ts)!;
    const payload = blockActionsClick({
      message,
      actionId: 'judgment:continue:1',
      user: { id: 'U0ALICE', name: 'alice' },
      channel: ref.channel,
      ts: ref.ts,
      responseUrl: fake.responseUrl(),
    });

    // Same top-level shape as Slack's block_actions fixture.
    const shape = fixture<{ payload: Record<string, unknown> }>('slack-block-actions.json').payload;
    expect(Object.keys(payload).sort()).toEqual(Object.keys(shape).sort());

    const { body, headers } = signedSlackRequest({ signingSecret: 'shh', payload, timestamp: 1_700_000_000 });
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(headers['x-slack-request-timestamp']).toBe('1700000000');
    verifySlackRequest({
      signingSecret: 'shh',
      signature: headers['x-slack-signature'],
      timestamp: headers['x-slack-request-timestamp'],
      rawBody: body,
      nowMs: 1_700_000_010_000,
    });
    const click = parseJudgmentClick(parseInteractionBody(body));
    expect(click).toMatchObject({
      kind: 'judgment',
      payloadType: 'block_actions',
      executionId: '01HEXEC',
      stageId: 'stage-1',
      judgmentStatus: 'continue',
      inputIndex: 1,
      slackUserId: 'U0ALICE',
      channelId: ref.channel,
      messageTs: ref.ts,
      actionId: 'judgment:continue:1',
    });
  });

  it('refuses to click a button that is not in the message', () => {
    expect(() =>
      blockActionsClick({
        message: judgmentMessage({ ...view, judgmentInputs: [] }).blocks,
        actionId: 'judgment:continue:0',
        user: { id: 'U1', name: 'u' },
        channel: 'C1',
        ts: '1.1',
      }),
    ).toThrow(/no button with action_id "judgment:continue:0".*judgment:continue, judgment:stop/);
  });
});
