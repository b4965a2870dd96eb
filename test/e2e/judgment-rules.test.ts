/**
 * Slack approvals a team can trust (issue 4), seen from Slack and the API through the fake Slack: who may judge,
 * self-approval, several approvals, reject with a reason, expiry, reminders, several channels, delivery problems,
 * pipeline and stage notifications, and hostile values rendered harmless.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, judgmentPipeline, type Harness } from '../support/harness.js';
import { blockActionsClick, viewSubmission, viewClosed } from '../support/slack-requests.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const ALICE = { id: 'U0ALICE', name: 'alice' };
const BOB = { id: 'U0BOB', name: 'bob' };
const CAROL = { id: 'U0CAROL', name: 'carol' };

async function start(stage: Record<string, unknown> = {}, opts: { config?: Record<string, Record<string, unknown>>; pipeline?: Record<string, unknown>; user?: string; parameters?: Record<string, string> } = {}) {
  h = await startHarness({ config: { authz: { roles: { deployers: ['Bob@Example.com'] } }, ...(opts.config ?? {}) } });
  const saved = await h.api('POST', '/pipelines', judgmentPipeline(opts.pipeline ?? {}, stage));
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const trig = await h.api('POST', '/pipelines/checkout/Deploy to production', { user: opts.user ?? 'dave@example.com', parameters: opts.parameters ?? { version: '1.0.0' } });
  expect(trig.status, JSON.stringify(trig.body)).toBe(202);
  return trig.body.ref.replace('/pipelines/', '') as string;
}

async function execution(id: string) {
  return (await h.api('GET', `/pipelines/${id}`)).body as any;
}

async function ended(id: string) {
  return waitFor(`execution ${id} to end`, async () => {
    const e = await execution(id);
    return e.status === 'RUNNING' || e.status === 'NOT_STARTED' ? null : e;
  });
}

async function ephemeral(n = 1) {
  await waitFor(`${n} ephemeral replies`, () => h.slack.responses.length >= n);
  return JSON.stringify(h.slack.responses[n - 1]!.body);
}

function buttons(blocks: any[]): any[] {
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements);
}

describe('who may judge', () => {
  it('refuses a clicker without the stage role, tells them which roles, keeps the attempt; a holder judges', async () => {
    const id = await start({ selectedStageRoles: ['deployers'] });
    await h.judgmentMessage();
    expect((await h.click('judgment:continue', ALICE)).status).toBe(200);
    expect(await ephemeral()).toContain('deployers');
    let e = await execution(id);
    expect(e.status).toBe('RUNNING');
    expect(e.stages[0].context.judgments).toEqual([expect.objectContaining({ user: 'alice@example.com', accepted: false, via: 'slack' })]);
    await h.click('judgment:continue', BOB);
    e = await ended(id);
    expect(e.status).toBe('SUCCEEDED');
    expect(e.stages[0].context.lastModifiedBy).toBe('bob@example.com');
    // the API answers to the same rules
    const patch = await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[0].id}`, { judgmentStatus: 'stop' }, { 'x-spinnaker-user': 'alice@example.com' });
    expect(patch.status).toBe(409);
  });

  it('lets requiredJudgmentRoles take precedence and counts Slack user groups as roles', async () => {
    const id = await start({ selectedStageRoles: ['deployers'], requiredJudgmentRoles: ['sre'] }, { config: { authz: { slackUserGroups: true } } });
    await h.judgmentMessage();
    await h.click('judgment:continue', BOB);
    expect(await ephemeral()).toContain('sre');
    await h.click('judgment:continue', CAROL);
    const e = await ended(id);
    expect(e.status).toBe('SUCCEEDED');
    expect(e.stages[0].context.lastModifiedBy).toBe('carol@example.com');
  });

  it('answers 403 to an API judgment without the role, naming the roles', async () => {
    const id = await start({ selectedStageRoles: ['deployers'] });
    const e = await waitFor('stage RUNNING', async () => ((await execution(id)).stages[0].status === 'RUNNING' ? execution(id) : null));
    const res = await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[0].id}`, { judgmentStatus: 'continue' }, { 'x-spinnaker-user': 'alice@example.com' });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('deployers');
    const ok = await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[0].id}`, { judgmentStatus: 'continue' }, { 'x-spinnaker-user': 'bob@example.com' });
    expect(ok.status).toBe(200);
  });

  it('refuses self-approval but lets the triggerer reject', async () => {
    const id = await start({ preventSelfApproval: true }, { user: 'alice@example.com' });
    await h.judgmentMessage();
    await h.click('judgment:continue', ALICE);
    expect(await ephemeral()).toMatch(/triggered/);
    expect((await execution(id)).status).toBe('RUNNING');
    await h.click('judgment:stop', ALICE);
    const view = await waitFor('the reject dialog', () => h.slack.views()[0]);
    await h.send(viewSubmission({ view: view.view, user: ALICE, reason: 'wrong build' }));
    const e = await ended(id);
    expect(e.status).toBe('TERMINAL');
    expect(e.stages[0].context.judgmentReason).toBe('wrong build');
  });
});

describe('the triggerer cannot be spoofed', () => {
  it('takes the trigger user from X-SPINNAKER-USER over the body, so preventSelfApproval holds', async () => {
    h = await startHarness();
    await h.api('POST', '/pipelines', judgmentPipeline({}, { preventSelfApproval: true }));
    const trig = await h.api('POST', '/pipelines/checkout/Deploy to production', { user: 'nobody@example.com', parameters: { version: '1' } }, { 'x-spinnaker-user': 'alice@example.com' });
    const id = trig.body.ref.replace('/pipelines/', '');
    expect((await execution(id)).trigger.user).toBe('alice@example.com');
    await h.judgmentMessage();
    await h.click('judgment:continue', ALICE);
    expect(await ephemeral()).toMatch(/triggered/);
    expect((await execution(id)).status).toBe('RUNNING');
  });
});

describe('several approvals', () => {
  it('needs two distinct approvers, shows progress with the buttons kept, and records both', async () => {
    const id = await start({ requiredApprovals: 2 });
    await h.judgmentMessage();
    await h.click('judgment:continue', ALICE);
    await waitFor('progress in the message', () => h.slack.callsTo('chat.update').length >= 1);
    const progressed = await h.judgmentMessage();
    expect(JSON.stringify(progressed.blocks)).toContain('1 of 2 approvals');
    expect(buttons(progressed.blocks).length).toBe(2);
    expect((await execution(id)).status).toBe('RUNNING');
    await h.click('judgment:continue', ALICE);
    expect(await ephemeral(2)).toMatch(/already approved/i);
    await h.click('judgment:continue', BOB);
    const e = await ended(id);
    expect(e.status).toBe('SUCCEEDED');
    expect(e.stages[0].context.approvals.map((a: any) => a.user)).toEqual(['alice@example.com', 'bob@example.com']);
    await waitFor('final update', async () => buttons((await h.judgmentMessage()).blocks).length === 0);
    const final = JSON.stringify((await h.judgmentMessage()).blocks);
    expect(final).toContain('<@U0ALICE>');
    expect(final).toContain('<@U0BOB>');
  });

  it('stops on one rejection even after an approval', async () => {
    const id = await start({ requiredApprovals: 2 });
    await h.judgmentMessage();
    await h.click('judgment:continue', ALICE);
    await waitFor('approval counted', async () => (await execution(id)).stages[0].context.approvals?.length === 1);
    const e = await execution(id);
    const res = await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[0].id}`, { judgmentStatus: 'stop', reason: 'not today' }, { 'x-spinnaker-user': 'bob@example.com' });
    expect(res.status).toBe(200);
    expect((await ended(id)).status).toBe('TERMINAL');
  });
});

describe('identity that Slack cannot confirm', () => {
  it('counts one person once even when users.info failed for one of their clicks', async () => {
    const id = await start({ requiredApprovals: 2 });
    await h.judgmentMessage();
    h.slack.failNext('users.info', 1, { error: 'internal_error' });
    await h.click('judgment:continue', ALICE);
    await waitFor('approval counted', async () => (await execution(id)).stages[0].context.approvals?.length === 1);
    expect((await execution(id)).stages[0].context.approvals[0].user).toBe('alice'); // the Slack name, unconfirmed
    await h.click('judgment:continue', ALICE);
    expect(await ephemeral(2)).toMatch(/already approved/i);
    expect((await execution(id)).status).toBe('RUNNING');
  });

  it('refuses an approval under preventSelfApproval when the email cannot be confirmed', async () => {
    const id = await start({ preventSelfApproval: true }, { user: 'alice@example.com' });
    await h.judgmentMessage();
    h.slack.failNext('users.info', 1, { status: 429, retryAfterSec: 1 });
    await h.click('judgment:continue', ALICE);
    expect(await ephemeral()).toMatch(/triggered|confirm/i);
    expect((await execution(id)).status).toBe('RUNNING');
  });

  it('retries a click when Slack user groups cannot be read yet, instead of refusing the person', async () => {
    const id = await start({ requiredJudgmentRoles: ['sre'] }, { config: { authz: { slackUserGroups: true } } });
    await h.judgmentMessage();
    h.slack.failNext('usergroups.list', 1, { error: 'internal_error' });
    await h.click('judgment:continue', CAROL);
    const e = await waitFor('the retried click to judge', async () => {
      const x = await execution(id);
      return x.status === 'SUCCEEDED' ? x : null;
    }, 10_000);
    expect(e.stages[0].context.lastModifiedBy).toBe('carol@example.com');
    expect(h.slack.responses.map((r) => JSON.stringify(r.body)).join()).not.toMatch(/can't judge/);
  });
});

describe('reject with a reason', () => {
  it('opens a modal on Reject; submitting rejects and the reason shows everywhere, escaped', async () => {
    const id = await start();
    await h.judgmentMessage();
    await h.click('judgment:stop', BOB);
    const opened = await waitFor('views.open', () => h.slack.callsTo('views.open')[0]);
    expect(typeof opened.args.trigger_id).toBe('string');
    expect((await execution(id)).status).toBe('RUNNING');
    const view = h.slack.views()[0]!;
    await h.send(viewSubmission({ view: view.view, user: BOB, reason: 'Breaks checkout <!channel> see <https://evil.example.com|here>' }));
    const e = await ended(id);
    expect(e.status).toBe('TERMINAL');
    expect(e.stages[0].context.judgmentReason).toContain('Breaks checkout');
    const update = await waitFor('message updated', () => h.slack.callsTo('chat.update')[0]);
    const text = JSON.stringify(update.args.blocks);
    expect(text).toContain('Breaks checkout');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example.com|here>');
    const reply = await waitFor('stop notification', () => h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts));
    expect(JSON.stringify(reply.args.blocks)).toContain('Breaks checkout');
  });

  it('closing the modal changes nothing', async () => {
    const id = await start();
    await h.judgmentMessage();
    await h.click('judgment:stop', BOB);
    const view = await waitFor('the dialog', () => h.slack.views()[0]);
    expect((await h.send(viewClosed({ view: view.view, user: BOB }))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const e = await execution(id);
    expect(e.status).toBe('RUNNING');
    expect(e.stages[0].context.judgmentStatus).toBeUndefined();
  });
});

describe('the message over its life', () => {
  it('times out: stage fails, message says so, a late click is told', async () => {
    const id = await start({ stageTimeoutMs: 1500 });
    await h.judgmentMessage();
    const e = await waitFor('timeout', async () => {
      const x = await execution(id);
      return x.status !== 'RUNNING' ? x : null;
    }, 10_000);
    expect(e.status).toBe('TERMINAL');
    expect(e.stages[0].context.timedOut).toBe(true);
    await waitFor('message updated', async () => buttons((await h.judgmentMessage()).blocks).length === 0);
    expect(JSON.stringify((await h.judgmentMessage()).blocks)).toMatch(/[Tt]imed out after 1\.5s/);
    // a click on an old copy of the message (as posted, buttons and all)
    const posted = h.slack.callsTo('chat.postMessage')[0]!;
    const m = await h.judgmentMessage();
    await h.send(blockActionsClick({ message: { blocks: posted.args.blocks as unknown[] }, actionId: 'judgment:continue', user: BOB, channel: m.channel, ts: m.ts, responseUrl: h.slack.responseUrl() }));
    expect(await ephemeral()).toMatch(/timed out/i);
  });

  it('markSuccessfulOnTimeout lets the pipeline go on', async () => {
    const id = await start({ stageTimeoutMs: 1000, markSuccessfulOnTimeout: true });
    const e = await ended(id);
    expect(e.status).toBe('SUCCEEDED');
    expect(e.stages[0].context.timedOut).toBe(true);
  });

  it('posts a reminder in the thread every notifyEveryMs while pending', async () => {
    await start({ notifyEveryMs: 1000 });
    const m = await h.judgmentMessage();
    const reminder = await waitFor('a reminder in the thread', () => h.slack.replies(m.channel, m.ts)[0], 10_000);
    expect(JSON.stringify(reminder.blocks ?? reminder.text)).toMatch(/awaiting/i);
  });

  it('posts one message per channel and updates all of them after a decision', async () => {
    const id = await start({
      notifications: [
        { type: 'slack', address: '#deploys', when: ['manualJudgment'] },
        { type: 'slack', address: 'release-managers', when: ['manualJudgment'] },
      ],
    });
    await h.judgmentMessage('deploys');
    await h.judgmentMessage('release-managers');
    await h.click('judgment:continue', BOB, 'release-managers');
    await ended(id);
    await waitFor('both messages updated', () => h.slack.callsTo('chat.update').length === 2);
    for (const ch of ['deploys', 'release-managers']) expect(buttons((await h.judgmentMessage(ch)).blocks)).toHaveLength(0);
  });

  it('records not_in_channel on the stage, does not retry it, and still serves the other channel', async () => {
    h = await startHarness();
    h.slack.onMethod('chat.postMessage', (args) =>
      args.channel === 'secret-room' ? { ok: false, error: 'not_in_channel' } : { ok: true, channel: h.slack.channelId(String(args.channel)), ts: `${Date.now() / 1000}` },
    );
    await h.api('POST', '/pipelines', judgmentPipeline({}, { notifications: [{ type: 'slack', address: '#secret-room', when: ['manualJudgment'] }] }));
    const trig = await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } });
    const id = trig.body.ref.replace('/pipelines/', '');
    const e = await waitFor('notification error on the stage', async () => {
      const x = await execution(id);
      return x.stages[0].context.notificationErrors?.length ? x : null;
    });
    expect(e.stages[0].context.notificationErrors[0]).toMatchObject({ address: 'secret-room', status: 'failed' });
    expect(e.stages[0].context.notificationErrors[0].error).toBe('not_in_channel: the bot is not in #secret-room: invite it with /invite @slackops');
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'secret-room')).toHaveLength(1);
  });

  it('honours Retry-After on a 429', async () => {
    h = await startHarness();
    h.slack.failNext('chat.postMessage', 1, { status: 429, retryAfterSec: 2 });
    await h.api('POST', '/pipelines', judgmentPipeline());
    await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } });
    await waitFor('the message after the rate limit', () => h.slack.messages().length === 1, 10_000);
    const [first, second] = h.slack.callsTo('chat.postMessage');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
  });

  it('renders <!channel> and links in parameters and names harmless', async () => {
    await start({}, { parameters: { version: '<!channel> <https://evil.example.com|click> @here' } });
    const m = await h.judgmentMessage();
    const text = JSON.stringify(m.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example.com|click>');
    expect(text).toContain('&lt;!channel&gt;');
  });
});

describe('restarting a judgment stage', () => {
  it('posts a fresh message with buttons; the old one keeps saying how the first run ended', async () => {
    const id = await start();
    const first = await h.judgmentMessage();
    const e = await waitFor('stage RUNNING', async () => ((await execution(id)).stages[0].status === 'RUNNING' ? execution(id) : null));
    await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[0].id}`, { judgmentStatus: 'stop', reason: 'wrong build' }, { 'x-spinnaker-user': 'bob@example.com' });
    await ended(id);
    await waitFor('first message updated', async () => buttons((await h.judgmentMessage()).blocks).length === 0);
    const restart = await h.api('PUT', `/pipelines/${id}/stages/${e.stages[0].id}/restart`, undefined, { 'x-spinnaker-user': 'bob@example.com' });
    expect(restart.status, JSON.stringify(restart.body)).toBe(200);
    const second = await waitFor('a second judgment message', () => h.slack.messages().filter((m) => !m.threadTs)[1]);
    expect(second.ts).not.toBe(first.ts);
    expect(buttons(second.blocks as any[]).length).toBe(2);
    expect(buttons(h.slack.message(first.channel, first.ts)!.blocks as any[])).toHaveLength(0);
    // the new run is judged on its own message
    await h.send(blockActionsClick({ message: { blocks: second.blocks as unknown[] }, actionId: 'judgment:continue', user: BOB, channel: second.channel, ts: second.ts, responseUrl: h.slack.responseUrl() }));
    expect((await ended(id)).status).toBe('SUCCEEDED');
    await waitFor('second message updated', () => buttons(h.slack.message(second.channel, second.ts)!.blocks as any[]).length === 0);
  });
});

describe('links and late-bound custom text', () => {
  it('keeps the author\'s literal links live but never lets a parameter choose where a link points', async () => {
    await start(
      { instructions: 'See <https://wiki.example.com/runbook|the runbook> and <https://${parameters.host}/notes|release notes>.' },
      { parameters: { version: '1', host: 'evil.example' } },
    );
    const text = JSON.stringify((await h.judgmentMessage()).blocks);
    expect(text).toContain('<https://wiki.example.com/runbook|the runbook>');
    expect(text).not.toContain('<https://evil.example/notes|release notes>');
    expect(text).toContain('&lt;https://evil.example/notes|release notes&gt;');
  });

  it('evaluates a manualJudgmentContinue text when it is sent, so it can name the chosen input', async () => {
    const id = await start({
      judgmentInputs: [{ value: 'canary' }, { value: 'full' }],
      notifications: [
        { type: 'slack', address: '#deploys', when: ['manualJudgment', 'manualJudgmentContinue'], message: { manualJudgmentContinue: { text: "Rolling out: ${#judgment('Approve production')}" } } },
      ],
    });
    await h.judgmentMessage();
    await h.click('judgment:continue:1', BOB);
    await ended(id);
    const reply = await waitFor('continue reply', () => h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts));
    expect(JSON.stringify(reply.args.blocks)).toContain('Rolling out: full');
  });
});

describe("Spinnaker's other Slack notifications", () => {
  it('sends pipeline.starting / pipeline.complete and stage.complete with custom text', async () => {
    const id = await start(
      {},
      {
        pipeline: {
          notifications: [
            { type: 'slack', address: '#releases', level: 'pipeline', when: ['pipeline.starting', 'pipeline.complete', 'pipeline.failed'], message: { 'pipeline.complete': { text: 'Version ${parameters.version} is out' } } },
          ],
          stages: [
            { ...judgmentPipeline().stages[0], notifications: [{ type: 'slack', address: '#deploys', when: ['manualJudgment', 'stage.complete'] }] },
            judgmentPipeline().stages[1],
          ],
        },
        parameters: { version: '7.7.7' },
      },
    );
    await h.judgmentMessage('deploys');
    await h.click('judgment:continue', BOB, 'deploys');
    await ended(id);
    const releases = await waitFor('two pipeline notifications', () => {
      const posts = h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'releases');
      return posts.length === 2 ? posts : null;
    });
    expect(JSON.stringify(releases[1]!.args.blocks)).toContain('Version 7.7.7 is out');
    await waitFor('stage.complete for the judgment stage', () =>
      h.slack.callsTo('chat.postMessage').some((c) => c.args.channel === 'deploys' && !c.args.thread_ts && JSON.stringify(c.args.blocks).includes('complete')),
    );
  });
});
