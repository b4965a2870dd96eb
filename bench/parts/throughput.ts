/**
 * Throughput: `executions` executions of wait 0 → Manual Judgment → wait 0 in flight at once, triggered, judged
 * with signed Slack clicks and completed, and how long the whole thing took.
 *
 * How: a service on the backend (harness, fake Slack). The clock starts before the first trigger; all executions
 * are triggered through the API (16 requests at a time) while, as each judgment message reaches the fake Slack,
 * its Approve button is clicked (a signed block_actions click, at most 16 in flight); the clock stops when the store shows every
 * execution `SUCCEEDED` (checked every 100 ms). Figures: executions completed and the seconds taken.
 */
import { performance } from 'node:perf_hooks';
import { round1 } from '../stats.js';
import { type Backend, clickQueue, judgmentClicks, saveBenchPipeline, startBenchService, triggerMany, waitAllSucceeded } from './common.js';

export interface ThroughputFigures {
  executions: number;
  seconds: number;
}

export async function throughput(backend: Backend, opts: { executions: number; log: (s: string) => void }): Promise<ThroughputFigures> {
  const h = await startBenchService(backend);
  try {
    await saveBenchPipeline(h, 0);
    const timeoutMs = 120_000 + opts.executions * 200;
    const clicker = clickQueue(h, 16);
    const t0 = performance.now();
    let triggered = 0;
    const [ids] = await Promise.all([
      triggerMany(h.api, opts.executions).then((x) => ((triggered = performance.now()), x)),
      judgmentClicks(h, opts.executions, timeoutMs, (_id, payload) => clicker.push(payload)),
    ]);
    const posted = performance.now();
    await clicker.drain();
    const clicked = performance.now();
    const done = await waitAllSucceeded(h, ids, timeoutMs);
    const s = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
    opts.log(
      `throughput (${backend}): ${ids.length} triggered in ${s(t0, triggered)} s, all messages posted at ${s(t0, posted)} s, ` +
        `all clicked at ${s(t0, clicked)} s, all SUCCEEDED at ${s(t0, done)} s`,
    );
    return { executions: ids.length, seconds: round1((done - t0) / 1000) };
  } finally {
    await h.close();
  }
}
