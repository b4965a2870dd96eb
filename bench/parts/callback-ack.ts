/**
 * Callback acknowledgement: how many signed Slack clicks per second `POST /notifications/callbacks/slack`
 * sustains, and the latency of its 200, at a fixed offered rate.
 *
 * How: a service on the backend (harness: real HTTP on loopback, fake Slack) with `awaiting` executions of the
 * bench pipeline waiting at their judgment; autocannon, in a worker thread, offers `rate` requests/s for
 * `durationS` seconds. Each request is a real block_actions click on one execution's Approve button, made from the
 * message the fake Slack received and freshly signed; once every execution has had its click, the same clicks are
 * sent again (a repeat is acknowledged too and then refused as already judged). The clicks' judgments, the next
 * stages and Slack updates run in the same service during the measurement, as they would in production.
 *
 * Figures: `rps` = 2xx answers / wall seconds of the run; p50/p99 of the time from sending a request to its whole
 * answer (every answer, ms). Non-2xx answers and errors are reported on stderr.
 */
import { Worker } from 'node:worker_threads';
import { SIGNING_SECRET } from '../../test/support/harness.js';
import { p50p99, round1 } from '../stats.js';
import { type Backend, judgmentClicks, saveBenchPipeline, startBenchService, triggerMany } from './common.js';
import type { AckLoad, AckLoadResult } from './callback-ack-worker.js';

export interface CallbackAckFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export async function callbackAck(
  backend: Backend,
  opts: { rate: number; durationS: number; awaiting: number; connections?: number; log: (s: string) => void },
): Promise<CallbackAckFigures> {
  const h = await startBenchService(backend);
  try {
    await saveBenchPipeline(h, 0);
    const ids = await triggerMany(h.api, opts.awaiting);
    const clicks = await judgmentClicks(h, ids, 60_000 + opts.awaiting * 100);
    const bodies = ids.map((id) => new URLSearchParams({ payload: JSON.stringify(clicks.get(id)) }).toString());
    const load: AckLoad = {
      url: `${h.service.url}/notifications/callbacks/slack`,
      signingSecret: SIGNING_SECRET,
      bodies,
      rate: opts.rate,
      durationS: opts.durationS,
      connections: opts.connections ?? 10,
    };
    const result = await new Promise<AckLoadResult>((resolve, reject) => {
      // tsx's loader is not inherited by worker threads on Node 20: register it in the worker, then load the TS.
      const script = new URL('./callback-ack-worker.ts', import.meta.url).href;
      const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(script)}); })`;
      const w = new Worker(boot, { eval: true, workerData: load });
      w.once('message', (m: AckLoadResult) => resolve(m));
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`autocannon worker exited with ${code} before answering`)));
    });
    const ok = Object.entries(result.statusCodes).reduce((n, [code, c]) => (code.startsWith('2') ? n + c : n), 0);
    const other = Object.entries(result.statusCodes).filter(([code]) => !code.startsWith('2'));
    if (other.length > 0 || result.errors > 0 || result.timeouts > 0) {
      opts.log(`callback ack (${backend}): non-2xx ${JSON.stringify(Object.fromEntries(other))}, errors ${result.errors}, timeouts ${result.timeouts}`);
    }
    const seconds = Math.max(opts.durationS, result.elapsedMs / 1000);
    opts.log(
      `callback ack (${backend}): ${ok} of ${load.rate * load.durationS} clicks acknowledged in ${(result.elapsedMs / 1000).toFixed(1)} s ` +
        `(offered over ${opts.durationS} s), ${Math.min(ok, ids.length)} of them first clicks on awaiting judgments`,
    );
    return { rps: round1(ok / seconds), ...p50p99(result.latenciesMs) };
  } finally {
    await h.close();
  }
}
