/**
 * PostgreSQL stopped and started again under two running replicas (`slackops serve` child processes) — on a
 * private server made for this test (test/support/private-postgres.ts), never the machine's shared one.
 *
 * While the server is down `GET /health` answers 503 with the database DOWN on both replicas, and promptly (the
 * ping is bounded); neither process dies (an unhandled 'error' from a pg client or an unhandled rejection would
 * end it). After the restart both answer 200 again, executions triggered before the outage (whose wait ran out
 * during it) go on to their judgment, judgments clicked after the restart on either replica work, and each
 * replica's LISTEN connection is back (seen in pg_stat_activity).
 *
 * Skipped, with the reason, when a private server cannot be made here (not root, no postgres user or binaries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { Store } from '../../src/store/index.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { BOT_TOKEN, waitFor } from '../support/harness.js';
import { CRASH_USERS, Replica, crashPipeline, judgeInSlack, judgmentPosts } from '../support/replica-process.js';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';

const unavailable = await privatePostgresUnavailable();
if (unavailable) console.warn(`test/e2e/crash-postgres-restart.test.ts skipped: ${unavailable}`);
const pgDescribe = unavailable ? describe.skip : describe;

const ALICE = { id: 'U0ALICE', name: 'alice' };

async function query<T = any>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** `GET /health` with a generous client-side limit (a hang fails the test instead of stalling it). */
async function health(r: Replica): Promise<{ status: number; body: any }> {
  const res = await fetch(`${r.base}/health`, { signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.json() };
}

pgDescribe('PostgreSQL restarted under two running replicas', () => {
  let server: PrivatePostgres;
  let slack: FakeSlack;
  let dir: string;
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    slack = await startFakeSlack({ token: BOT_TOKEN, users: CRASH_USERS });
    dir = mkdtempSync(join(tmpdir(), 'slackops-crash-pg-restart-'));
    const common = { dir, databaseUrl: server.url, slackBaseUrl: slack.baseUrl, leaseMs: 2_000 };
    [a, b] = await Promise.all([Replica.start({ ...common, name: 'a' }), Replica.start({ ...common, name: 'b' })]);
  }, 120_000);

  afterAll(async () => {
    await a?.kill9();
    await b?.kill9();
    await slack?.close();
    await server?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('survives a connection cut in the middle of a transaction (no unhandled pg client error)', async () => {
    const store = await Store.open(server.url);
    try {
      // Hold a client checked out (as a handler's transaction does) and cut its backend from outside.
      const held = store.db.connection().execute(async (conn) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
        await query(server.url, `select pg_terminate_backend(${rows[0]!.pid})`);
        await new Promise((r) => setTimeout(r, 500)); // the client learns of it while no query runs
        await sql`select 1`.execute(conn);
      });
      await expect(held).rejects.toThrow();
      // The pool drops the broken client and the next query gets a fresh one.
      expect(await store.ping()).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('reports the outage on /health, survives it, and carries on after the restart', async () => {
    expect((await a.api('POST', '/pipelines', crashPipeline('outage', 2))).status).toBe(200);
    const ids: string[] = [];
    for (const r of [a, b, a, b]) {
      const res = await r.api('POST', '/pipelines/outage/Ship', {});
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      ids.push(res.body.ref.replace('/pipelines/', ''));
    }
    await waitFor('the first waits RUNNING', async () => {
      const es = await Promise.all(ids.map(async (id) => (await a.api('GET', `/pipelines/${id}`)).body));
      return es.every((e) => e.stages[0].status === 'RUNNING');
    }, 20_000);
    const listenersBefore = await query(server.url, `select count(*)::int as n from pg_stat_activity where query ilike 'LISTEN %'`);
    expect(listenersBefore[0].n).toBe(2);

    // A hung server (frozen: connections open, nothing answers): /health still answers, 503, both replicas.
    await server.freeze();
    try {
      for (const r of [a, b]) {
        const h = await health(r);
        expect(h.status, JSON.stringify(h.body)).toBe(503);
        expect(h.body).toMatchObject({ status: 'DOWN', details: { database: 'DOWN' } });
      }
    } finally {
      await server.thaw();
    }
    for (const r of [a, b]) await waitFor('/health 200 after the thaw', async () => (await health(r)).status === 200, 30_000);

    await server.stop();
    try {
      for (const r of [a, b]) {
        const h = await health(r);
        expect(h.status, `${JSON.stringify(h.body)}\n${r.output()}`).toBe(503);
        expect(h.body).toMatchObject({ status: 'DOWN', details: { database: 'DOWN' } });
      }
      // The outage lasts past the 2 s waits' deadlines, and past a lease: the loops keep failing meanwhile.
      await new Promise((r) => setTimeout(r, 4_000));
      for (const r of [a, b]) {
        expect((await health(r)).status).toBe(503);
        expect(r.alive, `replica died during the outage: ${JSON.stringify(r.exited)}\n${r.output()}`).toBe(true);
      }
      // The API says the database is unavailable (503, retry later), not "internal error" (500).
      const during = await fetch(`${a.base}/applications`, { signal: AbortSignal.timeout(20_000) });
      expect(during.status, await during.clone().text()).toBe(503);
      expect(during.headers.get('retry-after')).toBe('5');
      expect(((await during.json()) as { message: string }).message).toMatch(/database is unavailable/);
    } finally {
      await server.start();
    }

    for (const r of [a, b]) {
      await waitFor('/health 200 after the restart', async () => (await health(r)).status === 200, 30_000);
    }
    // Executions triggered before the outage go on to their judgment; their messages are posted once.
    const posted = await waitFor('the 4 judgment messages', () => (judgmentPosts(slack).size === ids.length ? judgmentPosts(slack) : null), 30_000);
    // Judgments after the restart, each clicked on the replica that did not trigger it.
    await Promise.all(ids.map((id, i) => judgeInSlack(slack, posted.get(id)!, 'continue', ALICE, i % 2 ? a : b)));
    const done = await waitFor(
      'all 4 executions SUCCEEDED',
      async () => {
        const es = await Promise.all(ids.map(async (id) => (await b.api('GET', `/pipelines/${id}`)).body));
        return es.every((e) => e.status === 'SUCCEEDED') ? es : null;
      },
      30_000,
    );
    for (const e of done) expect(e.stages[1].context).toMatchObject({ judgmentStatus: 'continue', lastModifiedBy: 'alice@example.com' });
    expect([...judgmentPosts(slack).values()].map((p) => p.posts)).toEqual([1, 1, 1, 1]);
    // Each replica listens again for the other's wake-ups.
    await waitFor('both LISTEN connections back', async () => (await query(server.url, `select count(*)::int as n from pg_stat_activity where query ilike 'LISTEN %'`))[0].n === 2, 30_000);
    for (const r of [a, b]) expect(r.alive, `${JSON.stringify(r.exited)}\n${r.output()}`).toBe(true);
  }, 180_000);
});
