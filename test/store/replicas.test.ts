/**
 * Several replicas on one PostgreSQL database: two in-process services (harnesses sharing one fresh database)
 * hand work to each other through `NOTIFY slackops_work` instead of waiting for the next poll, run every stage of
 * every execution exactly once, and leave no due queue row behind; a message whose handling outlasts its lease keeps
 * it (renewal) so the other replica does not run it again.
 *
 * Skipped, with the reason, only when the PostgreSQL server is unreachable (`.ci/run` starts it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import pino from 'pino';
import { Store, type WorkKind } from '../../src/store/index.js';
import { Engine } from '../../src/engine/engine.js';
import type { PipelineConfig } from '../../src/model/pipeline.js';
import { createPgDatabase, postgresUnavailable, startHarness, waitFor, type Harness, type PgTestDatabase } from '../support/harness.js';
import { startWebhookTarget, type WebhookTarget } from '../support/webhook-target.js';

const unavailable = await postgresUnavailable();
if (unavailable) console.warn(`test/store/replicas.test.ts skipped: ${unavailable}`);
const pgDescribe = unavailable ? describe.skip : describe;

/** wait 0 → manual judgment → wait 0 */
function threeStages(application: string) {
  return {
    application,
    name: 'Ship',
    stages: [
      { refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Before', waitTime: 0 },
      { refId: '2', requisiteStageRefIds: ['1'], type: 'manualJudgment', name: 'Approve' },
      { refId: '3', requisiteStageRefIds: ['2'], type: 'wait', name: 'After', waitTime: 0 },
    ],
  };
}

async function query<T = any>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end().catch(() => undefined);
  }
}

pgDescribe('two replicas on one PostgreSQL database', () => {
  let db: PgTestDatabase;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    db = await createPgDatabase();
    a = await startHarness({ slackEnabled: false, postgres: db.url });
    b = await startHarness({ slackEnabled: false, postgres: db.url });
    // Every distinct startTime a stage was ever saved with (a stage started twice would leave two).
    await query(
      db.url,
      `create table test_stage_starts (execution_id text, stage_id text, start_time bigint, primary key (execution_id, stage_id, start_time));
       create function test_record_stage_starts() returns trigger language plpgsql as $$
       begin
         insert into test_stage_starts
           select new.id, s->>'id', (s->>'startTime')::bigint
           from json_array_elements(new.body::json->'stages') s
           where s->>'startTime' is not null
         on conflict do nothing;
         return new;
       end $$;
       create trigger test_stage_starts after insert or update on executions for each row execute function test_record_stage_starts();`,
    );
  }, 30_000);
  afterAll(async () => {
    await a?.close().catch(() => undefined);
    await b?.close().catch(() => undefined);
    await db?.drop();
  });

  const trigger = async (h: Harness, app: string): Promise<string> => {
    const res = await h.api('POST', `/pipelines/${app}/Ship`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return (res.body as any).ref.replace('/pipelines/', '') as string;
  };
  const get = async (h: Harness, id: string): Promise<any> => (await h.api('GET', `/pipelines/${id}`)).body;
  const judgmentRunning = (h: Harness, id: string) =>
    waitFor(`judgment of ${id} RUNNING`, async () => {
      const e = await get(h, id);
      return e.stages[1].status === 'RUNNING' ? e : null;
    });
  const finished = (h: Harness, id: string) =>
    waitFor(
      `${id} finished`,
      async () => {
        const e = await get(h, id);
        return ['RUNNING', 'NOT_STARTED'].includes(e.status) ? null : e;
      },
      20_000,
    );

  it('runs 20 executions triggered and judged across both replicas, every stage once, leaving no due queue row', async () => {
    expect((await a.api('POST', '/pipelines', threeStages('many'))).status).toBe(200);
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => trigger(i % 2 ? b : a, 'many')));
    const running = await Promise.all(ids.map((id, i) => judgmentRunning(i % 2 ? a : b, id)));
    // Each judgment is PATCHed on the replica that did not trigger it.
    const patched = await Promise.all(
      running.map((e, i) => (i % 2 ? a : b).api('PATCH', `/pipelines/${e.id}/stages/${e.stages[1].id}`, { judgmentStatus: 'continue' }, { 'x-spinnaker-user': 'pat@example.com' })),
    );
    for (const p of patched) expect(p.status, JSON.stringify(p.body)).toBe(200);
    const done = await Promise.all(ids.map((id, i) => finished(i % 2 ? b : a, id)));
    for (const e of done) {
      expect(e.status).toBe('SUCCEEDED');
      expect(e.stages.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      for (const s of e.stages) {
        expect(typeof s.startTime).toBe('number');
        expect(s.endTime).toBeGreaterThanOrEqual(s.startTime);
      }
      expect(e.stages[1].context.judgmentStatus).toBe('continue');
    }
    const starts = await query<{ execution_id: string; stage_id: string; n: number }>(
      db.url,
      `select execution_id, stage_id, count(*)::int as n from test_stage_starts group by execution_id, stage_id`,
    );
    const ofThese = starts.filter((r) => ids.includes(r.execution_id));
    expect(ofThese).toHaveLength(20 * 3);
    expect(ofThese.filter((r) => r.n !== 1)).toEqual([]);
    // Nothing due or leased is left: only each judgment's timeout check, days away (a no-op now that it is decided).
    const judgmentStages = new Set(done.map((e) => e.stages[1].id as string));
    const left = await waitFor('no due or leased queue row', async () => {
      const rows = await query<{ kind: string; stage_id: string; deliver_at: number; lease_until: number | null }>(
        db.url,
        `select kind, stage_id, deliver_at::float8 as deliver_at, lease_until::float8 as lease_until from queue where execution_id = any('{${ids.join(',')}}')`,
      );
      return rows.every((r) => r.lease_until === null && r.deliver_at > Date.now() + 3_600_000) ? rows : null;
    }, 5_000);
    expect(left.length).toBeLessThanOrEqual(20);
    for (const r of left) {
      expect(r.kind).toBe('RunTask');
      expect(judgmentStages.has(r.stage_id)).toBe(true);
    }
  }, 60_000);

  it("wakes the other replica's engine at once (NOTIFY): the next stage starts well inside the 1 s poll", async () => {
    expect((await a.api('POST', '/pipelines', threeStages('fast'))).status).toBe(200);
    // Only replica A's engine runs: whatever B commits reaches A by NOTIFY or by A's next poll (up to 1 s).
    await b.service.engine.stop();
    const heard: WorkKind[] = [];
    await a.service.store.onWork((kind) => heard.push(kind));
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      const id = await trigger(b, 'fast');
      const running = await judgmentRunning(b, id);
      await new Promise((r) => setTimeout(r, 50)); // let A's loop go idle
      heard.length = 0;
      const t0 = Date.now();
      const ok = await b.api('PATCH', `/pipelines/${id}/stages/${running.stages[1].id}`, { judgmentStatus: 'continue' }, { 'x-spinnaker-user': 'pat@example.com' });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      const done = await finished(b, id);
      expect(done.status).toBe('SUCCEEDED');
      expect(heard).toContain('queue');
      latencies.push(done.stages[2].startTime - t0);
    }
    console.log(`PATCH on replica B → next stage RUNNING on replica A (ms): ${latencies.join(', ')}`);
    for (const ms of latencies) expect(ms).toBeLessThan(900);
  }, 60_000);
});

pgDescribe('lease renewal across replicas', () => {
  let db: PgTestDatabase;
  let target: WebhookTarget;
  const stores: Store[] = [];
  const engines: Engine[] = [];

  beforeAll(async () => {
    db = await createPgDatabase();
    target = await startWebhookTarget();
  });
  afterAll(async () => {
    for (const e of engines) await e.stop().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await target?.close();
    await db?.drop();
  });

  it('keeps the lease of a message whose execute outlasts leaseMs several times over, so neither replica aborts or repeats the call', async () => {
    const logger = pino({ level: 'silent' });
    for (let i = 0; i < 2; i++) {
      const store = await Store.open(db.url);
      stores.push(store);
      engines.push(new Engine({ store, logger, leaseMs: 450 }));
    }
    for (const e of engines) e.start();
    // 2.5 s against a 450 ms lease: renewed about 16 times; the call is neither cut off nor sent again.
    target.on('POST', '/slow', { status: 200, body: { ok: true }, delayMs: 2_500 });
    const config = {
      id: 'slow-hook',
      application: 'leases',
      name: 'Slow',
      stages: [{ refId: '1', requisiteStageRefIds: [], type: 'webhook', name: 'Slow call', url: `${target.base}/slow`, method: 'POST', requestTimeoutMs: 5_000 }],
    } as unknown as PipelineConfig;
    const execution = await engines[0]!.trigger(config, { user: 'pat' });
    // The other engine looks for due work every 50 ms, so it would take the message over as soon as its lease ran out.
    const poke = setInterval(() => engines[1]!.wake(), 50);
    try {
      const done = await waitFor(
        'execution finished',
        async () => {
          const e = await stores[0]!.repos.executions.get(execution.id);
          return e && !['RUNNING', 'NOT_STARTED'].includes(e.status) ? e : null;
        },
        15_000,
      );
      expect(done.status).toBe('SUCCEEDED');
    } finally {
      clearInterval(poke);
    }
    expect(target.requestsTo('/slow')).toHaveLength(1);
    expect(await stores[0]!.repos.queue.size()).toBe(0);
  }, 30_000);
});

pgDescribe('the LISTEN connection', () => {
  let db: PgTestDatabase;
  const stores: Store[] = [];

  beforeAll(async () => {
    db = await createPgDatabase();
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await db?.drop();
  });

  it('hears another replica, reconnects after the server drops it (then reports every kind), and hears again', async () => {
    const [listener, sender] = await Promise.all([Store.open(db.url), Store.open(db.url)]);
    stores.push(listener, sender);
    const heard: WorkKind[] = [];
    await listener.onWork((kind) => heard.push(kind));
    sender.notifyWork('interactions');
    sender.notifyWork('interactions'); // coalesced with the first
    await waitFor('the notification', () => heard.includes('interactions'));
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual(['interactions']);

    const killed = await query(
      db.url,
      `select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = current_database() and query = 'LISTEN slackops_work'`,
    );
    expect(killed).toHaveLength(1);
    heard.length = 0;
    await waitFor('every kind reported after reconnecting', () => ['queue', 'outbox', 'interactions'].every((k) => heard.includes(k as WorkKind)), 5_000);
    heard.length = 0;
    sender.notifyWork('outbox');
    await waitFor('a notification after reconnecting', () => heard.includes('outbox'));
  }, 20_000);

  it('does nothing on SQLite', async () => {
    const store = await Store.open('sqlite::memory:');
    stores.push(store);
    const heard: WorkKind[] = [];
    await store.onWork((kind) => heard.push(kind));
    store.notifyWork('queue');
    await new Promise((r) => setTimeout(r, 50));
    expect(heard).toEqual([]);
  });
});
