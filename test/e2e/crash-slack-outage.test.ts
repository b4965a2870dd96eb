/**
 * Slack answers HTTP 500 for a while, then recovers: the judgment messages (chat.postMessage), their updates
 * after the decision (chat.update) and the continue/stop replies in their threads are retried from the outbox with
 * backoff and each arrives exactly once after the recovery; nothing is lost, nothing is given up.
 *
 * "A while" is counted in calls: the fake fails the next N calls of a method with HTTP 500 (failNext), more calls
 * than there are messages, so every message meets at least one failure or waits behind one.
 *
 * Also: a delivery slower than its lease (a slow Slack) keeps the lease (renewed), so a second worker on the same
 * database does not deliver it again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Store } from '../../src/store/index.js';
import { NotificationDispatcher } from '../../src/notifications/dispatcher.js';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { blockActionsClick } from '../support/slack-requests.js';
import { crashPipeline, judgmentPosts } from '../support/replica-process.js';

const N = 10;

describe('Slack answering 500 for a while', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('delivers every judgment message, update and thread reply exactly once after Slack recovers', async () => {
    const { slack } = h;
    expect((await h.api('POST', '/pipelines', crashPipeline('flaky', 0))).status).toBe(200);

    slack.failNext('chat.postMessage', N + 5, { status: 500 });
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const res = await h.api('POST', '/pipelines/flaky/Ship', {});
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      ids.push(res.body.ref.replace('/pipelines/', ''));
    }
    const posted = await waitFor('every judgment message, after the failures', () => (judgmentPosts(slack).size === N ? judgmentPosts(slack) : null), 40_000);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.outcome === 'http_500')).toHaveLength(N + 5);

    // Slack fails again while the decisions are announced: the message updates and the thread replies.
    slack.failNext('chat.update', N + 3, { status: 500 });
    slack.failNext('chat.postMessage', N + 3, { status: 500 });
    for (const [i, id] of ids.entries()) {
      const p = posted.get(id)!;
      if (i % 2 === 0) {
        const click = blockActionsClick({ message: p.blocks, actionId: 'judgment:continue', user: { id: 'U0ALICE', name: 'alice' }, channel: p.channel, ts: p.ts, responseUrl: slack.responseUrl() });
        expect((await h.send(click)).status).toBe(200);
      } else {
        const e = (await h.api('GET', `/pipelines/${id}`)).body;
        const res = await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[1].id}`, { judgmentStatus: 'stop' }, { 'x-spinnaker-user': 'bob@example.com' });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
    }
    const done = await waitFor(
      'all executions to end',
      async () => {
        const es = await Promise.all(ids.map(async (id) => (await h.api('GET', `/pipelines/${id}`)).body));
        return es.every((e) => e.status !== 'RUNNING' && e.status !== 'NOT_STARTED') ? es : null;
      },
      20_000,
    );
    done.forEach((e: any, i: number) => expect(e.status).toBe(i % 2 === 0 ? 'SUCCEEDED' : 'TERMINAL'));

    const replies = (id: string) => slack.replies(posted.get(id)!.channel, posted.get(id)!.ts);
    await waitFor('a reply in every thread and every message updated', () => ids.every((id) => replies(id).length >= 1 && slack.message(posted.get(id)!.channel, posted.get(id)!.ts)!.updates >= 1), 40_000);
    expect(slack.callsTo('chat.update').filter((c) => c.outcome === 'http_500')).toHaveLength(N + 3);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.outcome === 'http_500')).toHaveLength(N + 5 + N + 3);

    // Let any duplicate that is still on its way arrive before counting (the outbox is drained when nothing is pending).
    const store = h.service.store;
    await waitFor('the outbox drained', async () => (await store.db.selectFrom('outbox').select('id').where('status', '=', 'pending').execute()).length === 0, 40_000);
    expect(await store.db.selectFrom('outbox').select(['kind', 'last_error']).where('status', '=', 'failed').execute()).toEqual([]);

    const after = judgmentPosts(slack);
    expect([...after.values()].map((p) => p.posts)).toEqual(Array(N).fill(1));
    for (const [i, id] of ids.entries()) {
      const p = posted.get(id)!;
      expect(replies(id), `thread of ${id}`).toHaveLength(1);
      const updates = slack.callsTo('chat.update').filter((c) => c.outcome === 'ok' && c.args.ts === p.ts && c.args.channel === p.channel);
      expect(updates, `updates of ${id}`).toHaveLength(1);
      // The message shows the decision, buttons gone.
      const text = JSON.stringify(slack.message(p.channel, p.ts)!.blocks);
      expect(text).not.toContain('judgment:continue');
      expect(text).toContain(i % 2 === 0 ? 'Approved' : 'Rejected');
    }
  }, 120_000);
});

describe('a delivery slower than its lease', () => {
  it('is delivered once while a second worker waits for work on the same database', async () => {
    const store = await Store.open('sqlite::memory:');
    let calls = 0;
    const slow = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 1_500)); // five leases long
      return { result: 'delivered' as const };
    };
    const logger = pino({ level: 'silent' });
    const workers = [1, 2].map(() => new NotificationDispatcher({ store, logger, handlers: { 'test.slow': slow }, leaseMs: 300 }));
    try {
      await store.repos.outbox.add({ kind: 'test.slow', dedupeKey: 'slow-1', payload: {} }, Date.now());
      workers[0]!.start();
      await waitFor('the delivery to start', () => calls === 1);
      workers[1]!.start();
      await waitFor('the item delivered', async () => (await store.repos.outbox.byKey('slow-1'))?.status === 'delivered', 10_000);
      expect(calls).toBe(1);
    } finally {
      for (const w of workers) await w.stop();
      await store.close();
    }
  });
});
