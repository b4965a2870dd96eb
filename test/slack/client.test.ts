import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { judgmentMessage } from '../../src/slack/blocks.js';
import { SlackApi, SlackApiError, toSlackApiError } from '../../src/slack/client.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import type { JudgmentView } from '../../src/model/judgment.js';

const TOKEN = 'xoxb-test-0000-SECRETTOKEN';

let fake: FakeSlack;
let api: SlackApi;

beforeAll(async () => {
  fake = await startFakeSlack({
    token: TOKEN,
    users: {
      U0ALICE: { name: 'alice', email: 'alice@example.com', realName: 'Alice Liddell' },
      U0BOB: { name: 'bob' },
    },
  });
  api = new SlackApi({ token: TOKEN, baseUrl: fake.baseUrl, timeoutMs: 2000 });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

async function failure(p: Promise<unknown>): Promise<SlackApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SlackApiError);
    const e = err as SlackApiError;
    expect(e.message).not.toContain(TOKEN);
    expect(e.message).not.toContain('SECRETTOKEN');
    return e;
  }
  throw new Error('expected a SlackApiError, the call succeeded');
}

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
  judgmentInputs: [],
  executionUrl: 'https://ui.example.com/e/01HEXEC',
  decision: null,
};

describe('SlackApi against the fake Slack', () => {
  it('postMessage returns the channel id and ts, stripping a leading #', async () => {
    const body = judgmentMessage(view);
    const ref = await api.postMessage('#demo_alerts', body);
    expect(ref.channel).toBe(fake.channelId('demo_alerts'));
    expect(ref.channel).toMatch(/^C[0-9A-F]{10}$/);
    expect(ref.ts).toMatch(/^\d{10}\.\d{6}$/);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call!.args.channel).toBe('demo_alerts');
    expect(call!.args.text).toBe(body.text);
    expect(call!.args.blocks).toEqual(body.blocks);
    expect(fake.message(ref.channel, ref.ts)?.text).toBe(body.text);
  });

  it('posts in a thread and gives increasing ts', async () => {
    const parent = await api.postMessage('demo_alerts', { text: 'parent' });
    const reply = await api.postMessage(parent.channel, { text: 'reply', threadTs: parent.ts });
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    expect(fake.replies('demo_alerts', parent.ts).map((m) => m.text)).toEqual(['reply']);
  });

  it('updateMessage changes the stored message', async () => {
    const ref = await api.postMessage('demo_alerts', judgmentMessage(view));
    const decided = judgmentMessage({
      ...view,
      decision: { judgmentStatus: 'continue', judgmentInput: null, user: 'alice@example.com', slackUserId: 'U0ALICE', via: 'slack', at: 1_700_000_000_000 },
    });
    await api.updateMessage(ref, decided);
    const stored = fake.message(ref.channel, ref.ts)!;
    expect(stored.updates).toBe(1);
    expect(stored.text).toBe('demo / deploy-to-prod: Approve production was approved by <@U0ALICE>');
    expect(stored.blocks).toEqual(decided.blocks);
    expect(JSON.stringify(stored.blocks)).not.toContain('judgment:continue');
  });

  it('updating an unknown message is a non-retryable message_not_found', async () => {
    const e = await failure(api.updateMessage({ channel: fake.channelId('demo_alerts'), ts: '1.000001' }, { text: 'x' }));
    expect(e.code).toBe('message_not_found');
    expect(e.retryable).toBe(false);
  });

  it('maps HTTP 429 to a retryable ratelimited with retryAfterMs', async () => {
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfterSec: 7 });
    const e = await failure(api.postMessage('demo_alerts', { text: 'hi' }));
    expect(e.code).toBe('ratelimited');
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBe(7000);
    expect(e.message).toContain('chat.postMessage');
    // WebClient did not retry on its own: exactly one attempt reached Slack.
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    // The next call goes through.
    await expect(api.postMessage('demo_alerts', { text: 'hi' })).resolves.toMatchObject({ channel: fake.channelId('demo_alerts') });
  });

  it('maps HTTP 500 to retryable http_500, without retrying itself', async () => {
    fake.failNext('chat.update', 1, { status: 500 });
    const e = await failure(api.updateMessage({ channel: 'C0000000000', ts: '1.1' }, { text: 'x' }));
    expect(e.code).toBe('http_500');
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBeNull();
    expect(fake.callsTo('chat.update')).toHaveLength(1);
  });

  it('maps not_in_channel to a non-retryable error that says so', async () => {
    fake.failNext('chat.postMessage', 1, { error: 'not_in_channel' });
    const e = await failure(api.postMessage('private_ops', { text: 'hi' }));
    expect(e.code).toBe('not_in_channel');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('not_in_channel');
    expect(e.message).toContain('chat.postMessage');
  });

  it("treats Slack's transient errors as retryable", async () => {
    for (const error of ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']) {
      fake.failNext('chat.postMessage', 1, { error });
      const e = await failure(api.postMessage('demo_alerts', { text: 'hi' }));
      expect([e.code, e.retryable]).toEqual([error, true]);
    }
  });

  it('a wrong token is invalid_auth and the token appears in no message', async () => {
    const bad = new SlackApi({ token: 'xoxb-wrong-SECRETTOKEN', baseUrl: fake.baseUrl });
    const e = await failure(bad.authTest());
    expect(e.code).toBe('invalid_auth');
    expect(e.retryable).toBe(false);
    expect(e.message).not.toContain('xoxb-wrong');
    expect(fake.callsTo('auth.test')[0]!.outcome).toBe('invalid_auth');
  });

  it('network errors are retryable request_error without the token', async () => {
    const down = await startFakeSlack();
    const url = down.baseUrl;
    await down.close();
    const api2 = new SlackApi({ token: TOKEN, baseUrl: url, timeoutMs: 1000 });
    const e = await failure(api2.postMessage('x', { text: 'y' }));
    expect(e.code).toBe('request_error');
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('ECONNREFUSED');
  });

  it('a timeout is a retryable request_error that says it timed out', async () => {
    const { createServer } = await import('node:http');
    const hanging = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    const port = (hanging.address() as { port: number }).port;
    try {
      const slow = new SlackApi({ token: TOKEN, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 });
      const e = await failure(slow.postMessage('x', { text: 'y' }));
      expect([e.code, e.retryable]).toEqual(['request_error', true]);
      expect(e.message).toContain('timed out');
      expect(Object.keys(e)).not.toContain('original');
    } finally {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
  });

  it('userInfo returns the email and names', async () => {
    await expect(api.userInfo('U0ALICE')).resolves.toEqual({
      id: 'U0ALICE',
      name: 'alice',
      realName: 'Alice Liddell',
      email: 'alice@example.com',
    });
    await expect(api.userInfo('U0BOB')).resolves.toEqual({ id: 'U0BOB', name: 'bob', realName: 'bob', email: null });
    const e = await failure(api.userInfo('U0NOBODY'));
    expect(e.code).toBe('user_not_found');
    expect(e.retryable).toBe(false);
  });

  it('authTest reads the identity', async () => {
    await expect(api.authTest()).resolves.toEqual({
      team: 'Fake Workspace',
      teamId: 'T0FAKE',
      user: 'slackops',
      userId: 'U0FAKEBOT',
      botId: 'B0FAKEBOT',
      url: 'https://fake-workspace.slack.com/',
    });
  });

  it('postEphemeral reaches the user', async () => {
    await api.postEphemeral('#demo_alerts', 'U0ALICE', 'already judged', '1700000000.000100');
    expect(fake.ephemerals).toEqual([
      expect.objectContaining({ channel: fake.channelId('demo_alerts'), user: 'U0ALICE', text: 'already judged', threadTs: '1700000000.000100' }),
    ]);
  });

  it('invalid blocks are refused as Slack does', async () => {
    const e = await failure(api.postMessage('demo_alerts', { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }));
    expect(e.code).toBe('invalid_blocks');
    expect(e.retryable).toBe(false);
  });

  it('respond posts JSON to the response_url and maps its failures', async () => {
    const url = fake.responseUrl();
    await api.respond(url, { text: 'done', response_type: 'ephemeral', replace_original: false });
    expect(fake.responses).toEqual([
      expect.objectContaining({ path: new URL(url).pathname, body: { text: 'done', response_type: 'ephemeral', replace_original: false } }),
    ]);
    fake.failNext('response_url', 1, { status: 500 });
    const e500 = await failure(api.respond(fake.responseUrl(), { text: 'x' }));
    expect([e500.code, e500.retryable, e500.method]).toEqual(['http_500', true, 'response_url']);
    fake.failNext('response_url', 1, { status: 429, retryAfterSec: 3 });
    const e429 = await failure(api.respond(fake.responseUrl(), { text: 'x' }));
    expect([e429.code, e429.retryable, e429.retryAfterMs]).toEqual(['ratelimited', true, 3000]);
    fake.failNext('response_url', 1, { error: 'expired_url' });
    const eGone = await failure(api.respond(fake.responseUrl(), { text: 'x' }));
    expect([eGone.code, eGone.retryable]).toEqual(['expired_url', false]);
    expect(eGone.message).not.toContain(fake.baseUrl);
  });

  it('refuses to post to a response_url that is neither Slack nor the configured base URL', async () => {
    const before = fake.responses.length;
    for (const url of ['http://169.254.169.254/latest', 'http://hooks.slack.com/actions/x', 'https://evil.example.com/hooks.slack.com', 'not a url']) {
      const err = await failure(api.respond(url, { text: 'x' }));
      expect([err.code, err.retryable]).toEqual(['untrusted_response_url', false]);
    }
    expect(fake.responses.length).toBe(before);
  });

  it('does not log WebClient chatter to the console and routes warnings to our logger', async () => {
    const lines: string[] = [];
    const logger = { debug: (_o: object, m?: string) => lines.push(`debug ${m}`), warn: (_o: object, m?: string) => lines.push(`warn ${m}`) };
    const logged = new SlackApi({ token: TOKEN, baseUrl: fake.baseUrl, logger });
    fake.failNext('chat.postMessage', 1, { status: 500 });
    await failure(logged.postMessage('demo_alerts', { text: 'x' }));
    expect(lines.some((l) => l.startsWith('debug Slack call failed'))).toBe(true);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('toSlackApiError', () => {
  it('maps unknown throwables to a retryable request_error and scrubs the token', () => {
    const e = toSlackApiError('chat.postMessage', new Error(`socket hang up with ${TOKEN}`), TOKEN);
    expect([e.code, e.retryable]).toEqual(['request_error', true]);
    expect(e.message).not.toContain(TOKEN);
    expect(e.message).toContain('[token]');
  });

  it('maps a 429 without Retry-After to ratelimited with no delay', () => {
    const e = toSlackApiError('chat.update', new Error('Retry header did not contain a valid timeout (url: x, retry-after header: soon)'));
    expect([e.code, e.retryable, e.retryAfterMs]).toEqual(['ratelimited', true, null]);
  });
});
