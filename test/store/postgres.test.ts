/**
 * The store on PostgreSQL: migrations (idempotent, and safe when two processes start at once), claims that two
 * replicas never share (`FOR UPDATE SKIP LOCKED`), locked read-modify-write of executions, bigint columns read as
 * numbers, the connection error's wording, and a real service on PostgreSQL through the harness.
 *
 * Each describe block works on its own fresh database, dropped after. Skipped, with the reason, only when the
 * PostgreSQL server is unreachable (`.ci/run` starts it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Store, StoreError } from '../../src/store/index.js';
import { migrationProvider } from '../../src/store/migrations.js';
import type { PipelineExecution } from '../../src/model/execution.js';
import {
  createPgDatabase,
  judgmentPipeline,
  postgresUnavailable,
  startHarness,
  waitFor,
  TEST_PG_URL,
  type Harness,
  type PgTestDatabase,
} from '../support/harness.js';

const unavailable = await postgresUnavailable();
if (unavailable) console.warn(`test/store/postgres.test.ts skipped: ${unavailable}`);
const pgDescribe = unavailable ? describe.skip : describe;

function execution(id: string, buildTime: number): PipelineExecution {
  return {
    id,
    type: 'PIPELINE',
    application: 'pgapp',
    name: 'p',
    pipelineConfigId: 'cfg-1',
    status: 'RUNNING',
    buildTime,
    stages: [],
  } as unknown as PipelineExecution;
}

pgDescribe('store on PostgreSQL', () => {
  let db: PgTestDatabase;
  const stores: Store[] = [];
  const open = async () => {
    const s = await Store.open(db.url);
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    db = await createPgDatabase();
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await db?.drop();
  });

  it('runs the migrations concurrently from two processes, and again (idempotent), with the same tables as SQLite', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    expect(a.dialect).toBe('postgres');
    expect(a.description).not.toContain('@');
    const again = await open();
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const migrations = await c.query('select name from kysely_migration order by name');
      // Every migration the build has, each run once (the list comes from the provider, so new ones need no edit here).
      const known = Object.keys(await migrationProvider('postgres').getMigrations()).sort();
      expect(known.slice(0, 5)).toEqual(['0001_initial', '0002_slack_interaction_dedupe', '0003_cron_trigger_state', '0004_application_details', '0005_permissions_audit']);
      expect(migrations.rows.map((r) => r.name)).toEqual(known);
      const tables = await c.query(`select table_name from information_schema.tables where table_schema = 'public' order by table_name`);
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['applications', 'audit_log', 'cron_trigger_state', 'executions', 'outbox', 'pipelines', 'queue', 'slack_interactions', 'slack_messages', 'slack_users']),
      );
      const cols = await c.query(`select data_type from information_schema.columns where table_name = 'queue' and column_name = 'deliver_at'`);
      expect(cols.rows[0].data_type).toBe('bigint');
    } finally {
      await c.end();
    }
    expect(await a.ping()).toBe(true);
    expect(await b.ping()).toBe(true);
    expect(await again.ping()).toBe(true);
  });

  it('reads bigint columns back as numbers on every path', async () => {
    const s = await open();
    const big = 1_790_000_000_123;
    await s.repos.applications.ensure('pgapp', big);
    expect(await s.repos.applications.list()).toEqual([{ name: 'pgapp', createdAt: big, updatedAt: big, description: null, email: null, permissions: null }]);
    const auditId = await s.repos.audit.append({ at: big, user: 'u@example.com', via: 'api', action: 'pipeline.save', application: 'pgapp', outcome: 'ok', detail: { n: 1 } });
    expect(typeof auditId).toBe('number');
    expect(await s.repos.audit.list({ since: big, limit: 5 })).toEqual([
      { id: auditId, at: big, user: 'u@example.com', via: 'api', action: 'pipeline.save', application: 'pgapp', outcome: 'ok', detail: { n: 1 } },
    ]);
    await s.repos.queue.push({ kind: 'Probe', executionId: 'x1', payload: { a: 1 } }, big, big);
    expect(await s.repos.queue.nextDueAt(big)).toBe(big);
    expect(await s.repos.queue.size()).toBe(1);
    const [m] = await s.transaction((tx) => tx.queue.claim(big, 1_000, 10));
    expect(m).toMatchObject({ kind: 'Probe', executionId: 'x1', payload: { a: 1 }, deliverAt: big, attempts: 1 });
    expect(typeof m!.id).toBe('number');
    await s.repos.queue.ack(m!.id);
    expect(await s.repos.queue.size()).toBe(0);

    const id = await s.repos.slackInteractions.record({ type: 'block_actions', n: 1 }, big);
    expect(typeof id).toBe('number');
    expect(await s.repos.slackInteractions.record({ type: 'block_actions', n: 1 }, big)).toBeNull();
    const [i] = await s.transaction((tx) => tx.slackInteractions.claim(big, 1_000, 10, id!));
    expect(i).toMatchObject({ id, receivedAt: big, attempts: 1 });

    await s.repos.outbox.add({ kind: 'k', dedupeKey: 'd1', payload: {} }, big);
    expect(await s.repos.outbox.nextDueAt(big)).toBe(big);
    expect((await s.repos.outbox.byKey('d1'))?.attempts).toBe(0);

    await s.repos.slackUsers.put({ userId: 'U1', name: 'u', email: null }, big);
    expect((await s.repos.slackUsers.get('U1'))?.fetchedAt).toBe(big);

    expect(await s.transaction((tx) => tx.triggers.recordCronFire('p1', 't1', null, big))).toBe(true);
    expect(await s.transaction((tx) => tx.triggers.recordCronFire('p1', 't1', null, big))).toBe(false);
    expect(await s.transaction((tx) => tx.triggers.recordCronFire('p1', 't1', big, big + 1))).toBe(true);
    expect((await s.repos.triggers.cronLastFires()).get('p1\u0000t1')).toBe(big + 1);

    await s.repos.executions.insert(execution('e-big', big), big);
    expect((await s.repos.executions.get('e-big'))?.buildTime).toBe(big);
    expect(await s.repos.executions.idsWithStatus([])).toEqual([]);
  });

  it('never gives the same queue row to two concurrent claimers (two stores, like two replicas)', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const now = Date.now();
    const n = 200;
    for (let k = 0; k < n; k++) await a.repos.queue.push({ kind: 'Race', executionId: `r${k}` }, now - 1, now - 1);
    const claimed: number[] = [];
    const worker = async (s: Store) => {
      for (;;) {
        const batch = await s.transaction(async (tx) => {
          const rows = await tx.queue.claim(Date.now(), 60_000, 7);
          // hold the row locks a moment, so the other claimer runs into them
          await new Promise((r) => setTimeout(r, 2));
          return rows;
        });
        if (batch.length === 0) return;
        claimed.push(...batch.filter((m) => m.kind === 'Race').map((m) => m.id));
      }
    };
    await Promise.all([worker(a), worker(b), worker(a), worker(b)]);
    expect(claimed).toHaveLength(n);
    expect(new Set(claimed).size).toBe(n);
  });

  it('locks an execution read inside a transaction, so concurrent read-modify-writes do not lose updates', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const now = Date.now();
    const e = execution('e-rmw', now);
    (e as unknown as { counter: number }).counter = 0;
    await a.repos.executions.insert(e, now);
    const bump = (s: Store) =>
      s.transaction(async (tx) => {
        const cur = (await tx.executions.get('e-rmw'))! as unknown as { counter: number } & PipelineExecution;
        await new Promise((r) => setTimeout(r, 5));
        cur.counter += 1;
        await tx.executions.update(cur, Date.now());
      });
    await Promise.all(Array.from({ length: 20 }, (_, k) => bump(k % 2 ? a : b)));
    const end = (await a.repos.executions.get('e-rmw')) as unknown as { counter: number };
    expect(end.counter).toBe(20);
  });

  it('keeps leases at start: a second replica opening the database does not free work another one holds', async () => {
    const a = await open();
    const now = Date.now();
    await a.repos.queue.push({ kind: 'Held', executionId: 'h1' }, now - 1, now - 1);
    const held = await a.transaction((tx) => tx.queue.claim(now, 60_000, 100));
    expect(held.map((m) => m.kind)).toContain('Held');
    const b = await open();
    expect(await b.transaction((tx) => tx.queue.claim(Date.now(), 60_000, 100))).toEqual([]);
  });

  it('names the host and the problem when PostgreSQL cannot be reached, never the password', async () => {
    const err = await Store.open('postgres://slackops:hunter2-secret@127.0.0.1:1/nowhere').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect((err as Error).message).not.toContain('hunter2');
    const u = new URL(TEST_PG_URL);
    u.pathname = '/slackops_no_such_database';
    u.password = 'hunter2-secret';
    const missing = await Store.open(u.toString()).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(StoreError);
    expect((missing as Error).message).toMatch(/slackops_no_such_database.*does not exist/);
    expect((missing as Error).message).not.toContain('hunter2');
  });
});

pgDescribe('a service on PostgreSQL (harness)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ slackEnabled: false, postgres: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('saves a pipeline, triggers it, takes the judgment PATCH and ends SUCCEEDED', async () => {
    expect(h.config.database.url).toMatch(/^postgres:\/\/.*\/slackops_test_/);
    expect((await h.api('GET', '/health')).status).toBe(200);
    const saved = await h.api('POST', '/pipelines', judgmentPipeline({ application: 'pgflow' }, {}));
    expect(saved.status).toBe(200);
    const res = await h.api('POST', `/pipelines/pgflow/${encodeURIComponent('Deploy to production')}`, { parameters: { version: '7' } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id = (res.body as any).ref.replace('/pipelines/', '') as string;
    const running = await waitFor('judgment stage RUNNING', async () => {
      const e = (await h.api('GET', `/pipelines/${id}`)).body;
      return e.stages[0].status === 'RUNNING' ? e : null;
    });
    const ok = await h.api('PATCH', `/pipelines/${id}/stages/${running.stages[0].id}`, { judgmentStatus: 'continue' }, { 'x-spinnaker-user': 'pat@example.com' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await h.api('PATCH', `/pipelines/${id}/stages/${running.stages[0].id}`, { judgmentStatus: 'stop' })).status).toBe(409);
    const done = await waitFor(
      'execution SUCCEEDED',
      async () => {
        const e = (await h.api('GET', `/pipelines/${id}`)).body;
        return ['RUNNING', 'NOT_STARTED'].includes(e.status) ? null : e;
      },
      20_000,
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stages[0].context.judgmentStatus).toBe('continue');
    expect(typeof done.buildTime).toBe('number');
    const list = await h.api('GET', '/applications/pgflow/pipelines');
    expect(list.status).toBe(200);
    expect(list.body.map((e: any) => e.id)).toContain(id);
  });
});
