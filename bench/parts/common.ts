/**
 * What the benchmark parts share: a service on the chosen backend (through the test harness: a real service on
 * loopback and the fake Slack Web API), the benchmark pipeline, triggering many executions, and turning the
 * judgment messages the fake Slack received into signed clicks on their Approve buttons.
 */
import { decodeButtonValue } from '../../src/slack/payload.js';
import { createPgDatabase, startHarness, type Harness, TEST_PG_URL } from '../../test/support/harness.js';
import { blockActionsClick } from '../../test/support/slack-requests.js';

export type Backend = 'sqlite' | 'postgres';

/** Application and pipeline name every part uses. */
export const APP = 'bench';
export const PIPELINE = 'Judged deploy';

/**
 * A fresh database for one part: on PostgreSQL a new database `slackops_bench_<random>` on {@link TEST_PG_URL}
 * (its URL in `postgresUrl`), dropped by `drop()`; on SQLite nothing (`postgresUrl` undefined: the caller puts a
 * file in its temporary directory, as the harness does).
 */
export async function benchDatabase(backend: Backend): Promise<{ postgresUrl: string | undefined; drop(): Promise<void> }> {
  if (backend === 'sqlite') return { postgresUrl: undefined, drop: async () => undefined };
  const db = await createPgDatabase(TEST_PG_URL, 'slackops_bench');
  return { postgresUrl: db.url, drop: () => db.drop() };
}

/** A service on `backend` with the fake Slack; `close()` stops both and drops the PostgreSQL database. */
export async function startBenchService(backend: Backend): Promise<Harness> {
  const db = await benchDatabase(backend);
  let h: Harness;
  try {
    h = await startHarness({ postgres: db.postgresUrl ?? false });
  } catch (err) {
    await db.drop().catch(() => undefined);
    throw err;
  }
  return {
    ...h,
    async close() {
      try {
        await h.close();
      } finally {
        await db.drop();
      }
    },
  };
}

/**
 * The benchmark pipeline: wait 0 s → Manual Judgment (one Slack message to #deploys when it starts waiting,
 * no other notifications) → wait `finalWaitSeconds`.
 */
export function benchPipeline(finalWaitSeconds: number) {
  return {
    application: APP,
    name: PIPELINE,
    stages: [
      { refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Prepare', waitTime: 0 },
      {
        refId: '2',
        requisiteStageRefIds: ['1'],
        type: 'manualJudgment',
        name: 'Approve',
        failPipeline: true,
        sendNotifications: true,
        notifications: [{ type: 'slack', address: '#deploys', level: 'stage', when: ['manualJudgment'] }],
      },
      { refId: '3', requisiteStageRefIds: ['2'], type: 'wait', name: 'Soak', waitTime: finalWaitSeconds },
    ],
  };
}

/** Saves {@link benchPipeline} on the service. @throws Error when the API refuses it. */
export async function saveBenchPipeline(h: Pick<Harness, 'api'>, finalWaitSeconds: number): Promise<void> {
  const res = await h.api('POST', '/pipelines', benchPipeline(finalWaitSeconds));
  if (res.status >= 300) throw new Error(`saving the bench pipeline answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** Runs `fn` over `items` with at most `concurrency` calls at once; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

/**
 * Triggers the bench pipeline `n` times through `POST /pipelines/{app}/{name}` (at most `concurrency` requests
 * at once) with `api` (a harness's, or `httpCall` bound to a service's URL); returns the execution ids in
 * trigger order.
 * @throws Error when a trigger does not answer 202.
 */
export async function triggerMany(api: Harness['api'], n: number, concurrency = 16): Promise<string[]> {
  return mapLimit(Array.from({ length: n }, (_, i) => i), concurrency, async () => {
    const res = await api('POST', `/pipelines/${APP}/${encodeURIComponent(PIPELINE)}`, { type: 'manual', user: 'bench' });
    if (res.status !== 202) throw new Error(`trigger answered ${res.status}: ${JSON.stringify(res.body)}`);
    return String(res.body.ref).replace('/pipelines/', '');
  });
}

/** A signed-click builder for the Approve button of one judgment message, keyed by execution id. */
export type ClickPayloads = Map<string, Record<string, unknown>>;

/**
 * Waits until the fake Slack holds a judgment message for each of `ids` and returns, per execution id, the
 * block_actions payload of a click by alice on its Approve button (made from the blocks really posted; the
 * execution is read back from the button's value).
 * @param ids the executions wanted, or how many (then any execution's message counts: the service runs only ours).
 * @param onFound called with each click payload as soon as its message is seen.
 * @throws Error naming how many are missing after `timeoutMs`.
 */
export async function judgmentClicks(
  h: Harness,
  ids: readonly string[] | number,
  timeoutMs: number,
  onFound?: (executionId: string, payload: Record<string, unknown>) => void,
): Promise<ClickPayloads> {
  const wanted = typeof ids === 'number' ? null : new Set(ids);
  const count = typeof ids === 'number' ? ids : wanted!.size;
  const found: ClickPayloads = new Map();
  let scanned = 0;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const messages = h.slack.messages();
    for (; scanned < messages.length; scanned++) {
      const m = messages[scanned]!;
      if (m.threadTs || !m.blocks) continue;
      const executionId = approveButtonExecution(m.blocks);
      if (!executionId || (wanted && !wanted.has(executionId)) || found.has(executionId)) continue;
      const payload = blockActionsClick({ message: m, actionId: 'judgment:continue', user: { id: 'U0ALICE', name: 'alice' }, channel: m.channel, ts: m.ts, responseUrl: h.slack.responseUrl() });
      found.set(executionId, payload);
      onFound?.(executionId, payload);
    }
    if (found.size >= count) return found;
    if (Date.now() > until) throw new Error(`only ${found.size} of ${count} judgment messages were posted within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends signed clicks with at most `concurrency` requests in flight; `drain()` resolves when all are answered. */
export function clickQueue(h: Harness, concurrency: number): { push(payload: Record<string, unknown>): void; drain(): Promise<void> } {
  const queue: Array<Record<string, unknown>> = [];
  let active = 0;
  let failure: Error | null = null;
  let idle: (() => void) | null = null;
  const pump = () => {
    while (active < concurrency && queue.length > 0) {
      const payload = queue.shift()!;
      active++;
      h.send(payload)
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`the callback answered ${res.status}`);
        })
        .catch((err: Error) => {
          failure ??= err;
        })
        .finally(() => {
          active--;
          pump();
          if (active === 0 && queue.length === 0) idle?.();
        });
    }
  };
  return {
    push(payload) {
      queue.push(payload);
      pump();
    },
    async drain() {
      if (active > 0 || queue.length > 0) await new Promise<void>((r) => (idle = r));
      if (failure) throw failure;
    },
  };
}

function approveButtonExecution(blocks: unknown[]): string | null {
  for (const b of blocks as Array<{ elements?: Array<{ action_id?: string; value?: string }> }>) {
    for (const e of b.elements ?? []) {
      if (e.action_id === 'judgment:continue') return decodeButtonValue(e.value).executionId;
    }
  }
  return null;
}

/**
 * Waits until every execution in `ids` has ended with `SUCCEEDED` (reads the store every 100 ms); returns the
 * time it happened (performance.now() of the observation).
 * @throws Error with the counts by status after `timeoutMs`, or when one ends otherwise.
 */
export async function waitAllSucceeded(h: Harness, ids: readonly string[], timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const succeeded = new Set(await h.service.store.repos.executions.idsWithStatus(['SUCCEEDED']));
    const missing = ids.filter((id) => !succeeded.has(id));
    if (missing.length === 0) return performance.now();
    if (Date.now() > until) {
      const bad = new Set(await h.service.store.repos.executions.idsWithStatus(['TERMINAL', 'CANCELED', 'STOPPED']));
      throw new Error(`${missing.length} of ${ids.length} executions did not succeed within ${timeoutMs} ms (${missing.filter((id) => bad.has(id)).length} ended otherwise)`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
