/**
 * The Slack sandbox through the real service: with no bot token, judgment messages land in the sandbox, a click
 * made there travels as a signed block_actions request to the real callback, and the message is updated in place.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { judgmentPipeline, startHarness, waitFor, type Harness } from '../support/harness.js';
import { startSandboxService, type SandboxService } from '../support/sandbox-service.js';

let s: SandboxService | null = null;
let h: Harness | null = null;
afterEach(async () => {
  await s?.close();
  await h?.close();
  s = null;
  h = null;
});

async function triggerJudgment(svc: SandboxService, version = '1.2.3'): Promise<string> {
  const saved = await svc.api('POST', '/pipelines', judgmentPipeline());
  expect(saved.status).toBe(200);
  const run = await svc.api('POST', '/pipelines/checkout/Deploy to production', { user: 'dev@example.com', parameters: { version } });
  expect(run.status).toBe(202);
  return String(run.body.ref).split('/').pop()!;
}

const buttonIds = (blocks: any[]): string[] =>
  blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]).filter((e: any) => e?.type === 'button' && e.action_id).map((e: any) => e.action_id);

describe('Slack sandbox (no bot token configured)', () => {
  it('is on by default, and a judgment is approved entirely through it, over the real signed callback', async () => {
    s = await startSandboxService();
    expect(s.config.slack.mode).toBe('sandbox');
    const id = await triggerJudgment(s);

    const msg = await s.message('deploys', /awaiting manual judgment/);
    expect(buttonIds(msg.blocks)).toEqual(expect.arrayContaining(['judgment:continue', 'judgment:stop']));
    expect(JSON.stringify(msg.blocks)).toContain('1.2.3');
    const channels = await s.api('GET', '/sandbox/slack/channels');
    expect(channels.body.channels).toEqual([expect.objectContaining({ name: 'deploys', messages: 1 })]);

    // The callback really checks the signature: an unsigned request is refused, nothing changes.
    const unsigned = await fetch(`${s.service.url}/notifications/callbacks/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payload=%7B%7D',
    });
    expect(unsigned.status).toBe(401);

    const click = await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: msg.ts, actionId: 'judgment:continue', userId: 'U0SANDBOXYOU' });
    expect(click.status).toBe(200);
    expect(click.body).toMatchObject({ delivered: true, callback: { status: 200 } });

    const done = await waitFor('the execution to succeed', async () => {
      const e = await s!.api('GET', `/pipelines/${id}`);
      return e.body.status === 'SUCCEEDED' ? e.body : null;
    }, 20_000);
    expect(done.stages[0].context).toMatchObject({ judgmentStatus: 'continue', lastModifiedBy: 'you@example.com' });

    // Updated in place (same ts): buttons gone, says who approved; the continue notification is a thread reply.
    const updated = await waitFor('the message to be updated', async () => {
      const r = await s!.api('GET', '/sandbox/slack/messages?channel=deploys');
      const m = r.body.messages.find((x: any) => x.ts === msg.ts);
      return m && m.updates > 0 && /approved/.test(m.text) ? { m, all: r.body.messages } : null;
    }, 20_000);
    expect(updated.m.text).toMatch(/was approved by/);
    expect(buttonIds(updated.m.blocks)).not.toContain('judgment:continue');
    expect(JSON.stringify(updated.m.blocks)).toContain('U0SANDBOXYOU');
    await waitFor('the thread reply', async () => {
      const r = await s!.api('GET', '/sandbox/slack/messages?channel=deploys');
      return r.body.messages.find((x: any) => x.threadTs === msg.ts && /was approved/.test(x.text));
    }, 20_000);

    // A second click on the now-updated message: the button is gone.
    const again = await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: msg.ts, actionId: 'judgment:continue', userId: 'U0SANDBOXBOB' });
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/^actionId: /);
  });

  it('rejects through the reason dialog: views.open shows it, submitting sends a signed view_submission', async () => {
    s = await startSandboxService();
    const id = await triggerJudgment(s, '9.9.9');
    const msg = await s.message('deploys', /awaiting/);
    const click = await s.api('POST', '/sandbox/slack/actions', { channel: '#deploys', ts: msg.ts, actionId: 'judgment:stop', userId: 'U0SANDBOXALICE' });
    expect(click.body.delivered).toBe(true);

    const view = await waitFor('the reject dialog', async () => {
      const r = await s!.api('GET', '/sandbox/slack/views?userId=U0SANDBOXALICE');
      return r.body.views[0];
    }, 20_000);
    expect(view.view.title.text).toBe('Reject');
    expect(view.inputs).toEqual([expect.objectContaining({ blockId: 'reason', actionId: 'reason', optional: true })]);
    expect((await s.api('GET', '/sandbox/slack/views?userId=U0SANDBOXYOU')).body.views).toEqual([]);
    // Nothing is decided until the dialog is submitted.
    expect((await s.api('GET', `/pipelines/${id}`)).body.stages[0].status).toBe('RUNNING');

    const bad = await s.api('POST', `/sandbox/slack/views/${view.id}/submit`, { values: { nope: { x: 'y' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^values\.nope\.x: /);

    const submit = await s.api('POST', `/sandbox/slack/views/${view.id}/submit`, { values: { reason: { reason: 'not on a Friday' } } });
    expect(submit.body).toMatchObject({ delivered: true, closed: true });
    const ended = await waitFor('the execution to stop', async () => {
      const e = await s!.api('GET', `/pipelines/${id}`);
      return e.body.status === 'TERMINAL' ? e.body : null;
    }, 20_000);
    expect(ended.stages[0].context).toMatchObject({ judgmentStatus: 'stop', lastModifiedBy: 'alice@example.com', judgmentReason: 'not on a Friday' });
    const updated = await waitFor('the message to say rejected', async () => {
      const r = await s!.api('GET', '/sandbox/slack/messages?channel=deploys');
      return r.body.messages.find((x: any) => x.ts === msg.ts && /rejected/.test(x.text));
    }, 20_000);
    expect(JSON.stringify(updated.blocks)).toContain('not on a Friday');
    expect((await s.api('GET', '/sandbox/slack/views?userId=U0SANDBOXALICE')).body.views).toEqual([]);
  });

  it('a refused click gets its ephemeral answer through the response_url, shown only to the clicker', async () => {
    s = await startSandboxService({ authz: { roles: { deployers: ['alice@example.com'] } } });
    await s.api('POST', '/pipelines', judgmentPipeline({}, { requiredJudgmentRoles: ['deployers'] }));
    const run = await s.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } });
    const id = String(run.body.ref).split('/').pop();
    const msg = await s.message('deploys', /awaiting/);
    await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: msg.ts, actionId: 'judgment:continue', userId: 'U0SANDBOXYOU' });
    const answer = await waitFor('the ephemeral answer', async () => {
      const r = await s!.api('GET', '/sandbox/slack/messages?channel=deploys&userId=U0SANDBOXYOU');
      return r.body.ephemerals[0];
    }, 20_000);
    expect(answer).toMatchObject({ user: 'U0SANDBOXYOU', nearTs: msg.ts });
    expect(answer.text).toMatch(/deployers/);
    expect((await s.api('GET', '/sandbox/slack/messages?channel=deploys&userId=U0SANDBOXALICE')).body.ephemerals).toEqual([]);
    expect((await s.api('GET', `/pipelines/${id}`)).body.stages[0].status).toBe('RUNNING');
    // alice holds the role: her click decides.
    await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: msg.ts, actionId: 'judgment:continue', userId: 'U0SANDBOXALICE' });
    await waitFor('the approval', async () => (await s!.api('GET', `/pipelines/${id}`)).body.status === 'SUCCEEDED', 20_000);
  });

  it('names the field for bad sandbox requests', async () => {
    s = await startSandboxService();
    expect((await s.api('GET', '/sandbox/slack/messages')).body.message).toMatch(/^query\.channel: /);
    const noUser = await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: '1.2', actionId: 'judgment:continue', userId: 'U0NOBODY' });
    expect(noUser.status).toBe(400);
    expect(noUser.body.message).toMatch(/^userId: /);
    const missing = await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: '1.2', userId: 'U0SANDBOXYOU' });
    expect(missing.body.message).toMatch(/^actionId: required/);
    const noMsg = await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: '1.2', actionId: 'a', userId: 'U0SANDBOXYOU' });
    expect(noMsg.status).toBe(404);
    expect(noMsg.body.message).toMatch(/^ts: /);
    // The Web API emulation refuses a caller without the sandbox's token, as Slack does.
    const api = await fetch(`${s.service.url}/sandbox/slack/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer xoxb-guess' },
      body: 'channel=deploys&text=hi',
    });
    expect(await api.json()).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('reports the sandbox connection and scopes on GET /settings/slack, never a token', async () => {
    s = await startSandboxService();
    const r = await s.api('GET', '/settings/slack');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      mode: 'sandbox',
      connected: true,
      team: { name: 'SlackOps Sandbox' },
      bot: { name: 'slackops' },
      lastDeliveryError: null,
      manifest: { settings: { interactivity: { is_enabled: true, request_url: `${s.config.server.publicUrl}/notifications/callbacks/slack` } } },
    });
    expect(r.body.scopes).toEqual(['users:read', 'users:read.email', 'chat:write']);
    expect(r.body.manifestYaml).toContain('chat:write');
    expect(JSON.stringify(r.body)).not.toMatch(/xox[bp]-/);
  });

  it('slack.mode: sandbox overrides a configured token; slack.enabled: false with it is refused', async () => {
    s = await startSandboxService({ slack: { mode: 'sandbox', token: 'xoxb-real-looking-0000', baseUrl: 'http://127.0.0.1:9' } });
    await triggerJudgment(s);
    await s.message('deploys', /awaiting/);
    const { parseConfig } = await import('../../src/config/index.js');
    expect(() => parseConfig({ slack: { mode: 'sandbox', enabled: false } }, {})).toThrow(/slack\.mode: sandbox contradicts slack\.enabled: false/);
  });
});

describe('Slack sandbox off', () => {
  it('with a bot token configured: every sandbox path is 404 and Web API calls go to the configured baseUrl', async () => {
    h = await startHarness();
    expect(h.config.slack.mode).toBe('slack');
    for (const path of ['/sandbox/slack/channels', '/sandbox/slack/messages?channel=deploys', '/sandbox/slack/views']) {
      const r = await h.api('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.message).toMatch(/sandbox is off/);
    }
    expect((await h.api('POST', '/sandbox/slack/actions', { channel: 'x', ts: '1', actionId: 'a', userId: 'U' })).status).toBe(404);
    expect((await h.api('POST', '/sandbox/slack/api/auth.test', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(404);
    await h.api('POST', '/pipelines', judgmentPipeline());
    await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } });
    await h.slack.waitFor((calls) => calls.some((c) => c.method === 'chat.postMessage'), 20_000);
    const settings = await h.api('GET', '/settings/slack');
    expect(settings.body).toMatchObject({ mode: 'slack', connected: true, team: { name: 'Fake Workspace' } });
    expect(JSON.stringify(settings.body)).not.toContain('xoxb-');
  });

  it('settings report a failing auth.test and the last delivery error in words', async () => {
    h = await startHarness();
    h.slack.failNext('auth.test', 1, { error: 'invalid_auth' });
    h.slack.failNext('chat.postMessage', 1, { error: 'not_in_channel' });
    await h.api('POST', '/pipelines', judgmentPipeline());
    await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } });
    const r = await waitFor('the delivery error', async () => {
      const x = await h!.api('GET', '/settings/slack');
      return x.body.lastDeliveryError ? x : null;
    }, 20_000);
    expect(r.body).toMatchObject({ mode: 'slack', connected: false, error: 'invalid_auth', bot: null });
    expect(r.body.lastDeliveryError).toMatchObject({ kind: 'slack.judgment.post', status: 'failed', attempts: 1 });
    expect(r.body.lastDeliveryError.error).toMatch(/not_in_channel: the bot is not in #deploys: invite it/);
  });

  it('with slack.enabled: false: no Slack at all, and the settings say off', async () => {
    h = await startHarness({ slackEnabled: false });
    expect((await h.api('GET', '/sandbox/slack/channels')).status).toBe(404);
    expect((await h.api('GET', '/settings/slack')).body).toMatchObject({ mode: 'off', connected: false, bot: null });
  });
});
