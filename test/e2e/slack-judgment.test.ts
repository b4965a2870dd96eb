/**
 * The main job end to end: trigger → Slack message with buttons → signed click → decision → message updated →
 * continue/stop notification in the thread. Real service, real SQLite file, fake Slack Web API on loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, judgmentPipeline, SIGNING_SECRET, type Harness } from '../support/harness.js';
import { blockActionsClick, signedSlackRequest, viewSubmission } from '../support/slack-requests.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

async function savePipeline(pipeline = judgmentPipeline()) {
  const saved = await h.api('POST', '/pipelines', pipeline);
  expect(saved.status).toBe(200);
  return saved.body as { id: string };
}

async function trigger(parameters: Record<string, string> = { version: '1.2.3' }, user = 'carol@example.com') {
  const res = await h.api('POST', '/pipelines/checkout/Deploy to production', { type: 'manual', user, parameters });
  expect(res.status).toBe(202);
  return (res.body as { ref: string }).ref.replace('/pipelines/', '');
}

async function execution(id: string) {
  const res = await h.api('GET', `/pipelines/${id}`);
  expect(res.status).toBe(200);
  return res.body as any;
}

async function postedJudgmentMessage() {
  const call = await waitFor('the judgment message to be posted', () => h.slack.callsTo('chat.postMessage').find((c) => !c.args.thread_ts));
  const posted = h.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts);
  expect(posted).toHaveLength(1);
  return call;
}

/** Reject from Slack: the Reject button opens a dialog; submitting it (with an optional reason) rejects. */
async function reject(user = { id: 'U0ALICE', name: 'alice' }, reason: string | null = null) {
  const before = h.slack.views().length;
  expect((await click('judgment:stop', user)).status).toBe(200);
  const view = await waitFor('the reject dialog', () => h.slack.views()[before]);
  const payload = viewSubmission({ view: view.view, user, reason });
  const req = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
  const res = await fetch(`${h.service.url}/notifications/callbacks/slack`, { method: 'POST', headers: req.headers, body: req.body });
  expect(res.status).toBe(200);
}

async function click(actionId: string, user = { id: 'U0ALICE', name: 'alice' }) {
  const post = h.slack.callsTo('chat.postMessage').find((c) => !c.args.thread_ts)!;
  const stored = h.slack.messages().at(-1)!;
  const payload = blockActionsClick({
    message: { blocks: post.args.blocks as unknown[] },
    actionId,
    user,
    channel: stored.channel,
    ts: stored.ts,
    responseUrl: h.slack.responseUrl(),
  });
  const req = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
  const res = await fetch(`${h.service.url}/notifications/callbacks/slack`, { method: 'POST', headers: req.headers, body: req.body });
  return res;
}

function buttons(blocks: any[]): any[] {
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements);
}

describe('Slack approval of a manual judgment', () => {
  it('posts a message with Approve/Reject, approves on a signed click, updates the message and replies in the thread', async () => {
    await savePipeline();
    const id = await trigger({ version: '1.2.3' });
    const post = await postedJudgmentMessage();
    expect(post.args.channel).toBe('deploys');
    const blocks = post.args.blocks as any[];
    const text = JSON.stringify(blocks);
    expect(text).toContain('checkout');
    expect(text).toContain('Deploy to production');
    expect(text).toContain('Approve production');
    expect(text).toContain('carol@example.com');
    expect(text).toContain('Deploy *1.2.3* to eu-west-1? Asked by carol@example.com.');
    expect(text).toContain(`https://slackops.example.com/#/applications/checkout/executions/details/${id}?refId=1`);
    const btns = buttons(blocks);
    expect(btns.map((b) => b.text.text)).toEqual(['Approve', 'Reject']);
    expect(btns[0].style).toBe('primary');
    expect(btns[1].style).toBe('danger');
    // Approve asks for confirmation; Reject opens a dialog asking for a reason (which is its confirmation)
    expect(btns[0].confirm && btns[0].confirm.confirm && btns[0].confirm.deny).toBeTruthy();
    expect(btns[1].confirm).toBeUndefined();
    expect((await execution(id)).status).toBe('RUNNING');

    const res = await click('judgment:continue');
    expect(res.status).toBe(200);

    const done = await waitFor('execution SUCCEEDED', async () => {
      const e = await execution(id);
      return e.status === 'SUCCEEDED' ? e : null;
    });
    const stage = done.stages.find((s: any) => s.refId === '1');
    expect(stage.status).toBe('SUCCEEDED');
    expect(stage.context.judgmentStatus).toBe('continue');
    expect(stage.context.lastModifiedBy).toBe('alice@example.com');
    expect(stage.lastModified.user).toBe('alice@example.com');
    expect(typeof stage.lastModified.lastModifiedTime).toBe('number');
    expect(done.stages.find((s: any) => s.refId === '2').status).toBe('SUCCEEDED');

    const update = await waitFor('chat.update', () => h.slack.callsTo('chat.update')[0]);
    expect(update.args.ts).toBe(h.slack.messages()[0]!.ts);
    expect(buttons(update.args.blocks as any[])).toHaveLength(0);
    expect(JSON.stringify(update.args.blocks)).toContain('Approved by <@U0ALICE>');
    const reply = await waitFor('continue notification in the thread', () => h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts));
    expect(reply.args.thread_ts).toBe(h.slack.messages()[0]!.ts);
    // the stop notification was not sent
    expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts)).toHaveLength(1);
  });

  it('rejects: stage and execution TERMINAL, the next stage never runs, message says rejected', async () => {
    await savePipeline();
    const id = await trigger();
    await postedJudgmentMessage();
    await reject({ id: 'U0BOB', name: 'bob' });
    const done = await waitFor('execution TERMINAL', async () => {
      const e = await execution(id);
      return e.status === 'TERMINAL' ? e : null;
    });
    expect(done.stages[0].status).toBe('TERMINAL');
    expect(done.stages[0].context.judgmentStatus).toBe('stop');
    expect(done.stages[0].context.lastModifiedBy).toBe('bob@example.com');
    expect(done.stages[1].status).toBe('NOT_STARTED');
    const update = await waitFor('chat.update', () => h.slack.callsTo('chat.update')[0]);
    expect(JSON.stringify(update.args.blocks)).toContain('Rejected by <@U0BOB>');
    await waitFor('stop notification in the thread', () => h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts));
    await new Promise((r) => setTimeout(r, 300));
    expect((await execution(id)).stages[1].status).toBe('NOT_STARTED');
  });

  it('with failPipeline: false a rejection STOPs the branch and the execution still succeeds', async () => {
    await savePipeline(judgmentPipeline({}, { failPipeline: false }));
    const id = await trigger();
    await postedJudgmentMessage();
    await reject();
    const done = await waitFor('execution to end', async () => {
      const e = await execution(id);
      return e.status !== 'RUNNING' ? e : null;
    });
    expect(done.stages[0].status).toBe('STOPPED');
    expect(done.stages[1].status).toBe('NOT_STARTED');
    expect(done.status).toBe('SUCCEEDED');
    // the thread reply must not claim the pipeline stops
    const reply = await waitFor('stop notification', () => h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts));
    expect(JSON.stringify(reply.args.blocks)).toContain('this branch of the pipeline stops');
  });

  it('judgment inputs become one button each and the chosen input is recorded', async () => {
    await savePipeline(judgmentPipeline({}, { judgmentInputs: [{ value: 'Roll out' }, { value: 'Roll out slowly' }] }));
    const id = await trigger();
    const post = await postedJudgmentMessage();
    const btns = buttons(post.args.blocks as any[]);
    expect(btns.map((b) => b.text.text)).toEqual(['Roll out', 'Roll out slowly', 'Reject']);
    await click(btns[1].action_id);
    const done = await waitFor('execution SUCCEEDED', async () => {
      const e = await execution(id);
      return e.status === 'SUCCEEDED' ? e : null;
    });
    expect(done.stages[0].context.judgmentInput).toBe('Roll out slowly');
  });

  it('shows the notification preference\'s custom text, expressions evaluated, in the message and the thread reply', async () => {
    await savePipeline(
      judgmentPipeline({}, {
        notifications: [
          {
            type: 'slack',
            address: 'deploys',
            when: ['manualJudgment', 'manualJudgmentContinue'],
            message: { manualJudgment: { text: 'On call: ${trigger.user}' }, manualJudgmentContinue: { text: 'Shipping ${parameters.version} now' } },
          },
        ],
      }),
    );
    await trigger({ version: '4.5.6' });
    const post = await postedJudgmentMessage();
    expect(JSON.stringify(post.args.blocks)).toContain('On call: carol@example.com');
    await click('judgment:continue');
    const reply = await waitFor('continue reply', () => h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts));
    expect(JSON.stringify(reply.args.blocks)).toContain('Shipping 4.5.6 now');
  });

  it('two concurrent clicks make one decision; the other clicker is told who judged', async () => {
    await savePipeline();
    const id = await trigger();
    await postedJudgmentMessage();
    const [a, b] = await Promise.all([click('judgment:continue'), click('judgment:stop', { id: 'U0BOB', name: 'bob' })]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const done = await waitFor('both clicks processed and the execution ended', async () => {
      const e = await execution(id);
      return e.status !== 'RUNNING' && e.stages[0].context.judgments?.length === 2 ? e : null;
    });
    const judgments = done.stages[0].context.judgments as any[];
    expect(judgments.filter((j) => j.accepted)).toHaveLength(1);
    expect(judgments).toHaveLength(2);
    const winner = judgments.find((j) => j.accepted);
    expect(done.status).toBe(winner.status === 'continue' ? 'SUCCEEDED' : 'TERMINAL');
    const ephemeral = await waitFor('ephemeral reply to the second clicker', () => h.slack.responses[0]);
    expect(ephemeral.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(ephemeral.body)).toContain(`<@${winner.slackUserId}>`);
    expect(JSON.stringify(ephemeral.body)).toContain(winner.status === "continue" ? "approved" : "rejected");
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.callsTo('chat.update')).toHaveLength(1);
  });

  it('a click after a decision made through the API changes nothing and the message already says so', async () => {
    await savePipeline();
    const id = await trigger();
    await postedJudgmentMessage();
    const e = await execution(id);
    const patch = await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[0].id}`, { judgmentStatus: 'continue' }, { 'X-SPINNAKER-USER': 'dave@example.com' });
    expect(patch.status).toBe(200);
    const update = await waitFor('chat.update after the PATCH', () => h.slack.callsTo('chat.update')[0]);
    expect(JSON.stringify(update.args.blocks)).toContain('dave@example.com');
    expect((await click('judgment:stop')).status).toBe(200);
    await waitFor('ephemeral reply', () => h.slack.responses[0]);
    const after = await waitFor('SUCCEEDED', async () => {
      const x = await execution(id);
      return x.status === 'SUCCEEDED' ? x : null;
    });
    expect(after.stages[0].context.judgmentStatus).toBe('continue');
    expect(after.stages[0].context.lastModifiedBy).toBe('dave@example.com');
  });

  it('refuses unsigned, mis-signed and stale callbacks with 401 and changes nothing', async () => {
    await savePipeline();
    const id = await trigger();
    const post = await postedJudgmentMessage();
    const stored = h.slack.messages()[0]!;
    const payload = blockActionsClick({ message: { blocks: post.args.blocks as unknown[] }, actionId: 'judgment:continue', user: { id: 'U0ALICE', name: 'alice' }, channel: stored.channel, ts: stored.ts });
    const url = `${h.service.url}/notifications/callbacks/slack`;
    const good = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
    const wrong = signedSlackRequest({ signingSecret: 'not-the-secret', payload });
    const stale = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload, timestamp: Math.floor(Date.now() / 1000) - 301 });
    const { 'x-slack-signature': _s, ...unsigned } = good.headers;
    for (const [headers, body] of [
      [wrong.headers, wrong.body],
      [stale.headers, stale.body],
      [unsigned, good.body],
      [good.headers, good.body.replace('alice', 'mallory')],
    ] as const) {
      const res = await fetch(url, { method: 'POST', headers, body });
      expect(res.status).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 200));
    const e = await execution(id);
    expect(e.status).toBe('RUNNING');
    expect(e.stages[0].context.judgmentStatus).toBeUndefined();
    expect(h.slack.callsTo('users.info')).toHaveLength(0);
  });

  it('answers 400 to a signed but malformed payload', async () => {
    const url = `${h.service.url}/notifications/callbacks/slack`;
    for (const body of ['payload=%7Bnot-json', 'nothing=here', `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [{ action_id: 'judgment:continue', value: 'garbage' }], user: { id: 'U1' } }))}`]) {
      const ts = String(Math.floor(Date.now() / 1000));
      const { computeSlackSignature } = await import('../../src/slack/signature.js');
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': computeSlackSignature(SIGNING_SECRET, ts, body) },
        body,
      });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { message: string };
      expect(json.message).toMatch(/payload|value|actions/);
    }
  });

  it('posts exactly one message when Slack answers 429 and then 500 at first', async () => {
    h.slack.failNext('chat.postMessage', 1, { status: 429, retryAfterSec: 1 });
    h.slack.failNext('chat.postMessage', 1, { status: 500 });
    await savePipeline();
    await trigger();
    await waitFor('the message to be posted after the failures', () => h.slack.messages().length === 1, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.slack.messages()).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').length).toBeGreaterThanOrEqual(3);
  });
});
