/**
 * Click to next stage: time from the Slack callback's 200 to the stage after the judgment being `RUNNING`.
 *
 * How: a service on the backend (harness, fake Slack) with `samples` executions of wait 0 → Manual Judgment →
 * wait 1 h, all waiting at their judgment. Their Approve buttons are clicked one at a time (signed block_actions
 * clicks made from the posted messages); after each 200 the execution is read from the store every millisecond
 * until its "Soak" stage is `RUNNING`. The click is only recorded before the 200; who clicked, the judgment
 * rules and starting the next stage happen after it, which is what this measures (Spinnaker's judgment task polls
 * every 15 s). Resolution is the polling interval, about 1 ms.
 */
import { performance } from 'node:perf_hooks';
import { p50p99 } from '../stats.js';
import { type Backend, judgmentClicks, saveBenchPipeline, startBenchService, triggerMany } from './common.js';

export interface ClickToNextStageFigures {
  p50Ms: number;
  p99Ms: number;
}

export async function clickToNextStage(backend: Backend, opts: { samples: number; log: (s: string) => void }): Promise<ClickToNextStageFigures> {
  const h = await startBenchService(backend);
  try {
    await saveBenchPipeline(h, 3600);
    const ids = await triggerMany(h.api, opts.samples);
    const clicks = await judgmentClicks(h, ids, 60_000 + opts.samples * 100);
    const samples: number[] = [];
    for (const id of ids) {
      const res = await h.send(clicks.get(id)!);
      const t200 = performance.now();
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the callback answered ${res.status}`);
      for (;;) {
        const e = await h.service.store.repos.executions.get(id);
        const soak = e?.stages.find((s) => s.refId === '3');
        if (soak?.status === 'RUNNING') break;
        if (e && e.status !== 'RUNNING') throw new Error(`execution ${id} ended ${e.status} before its next stage ran`);
        if (performance.now() - t200 > 30_000) throw new Error(`the stage after the judgment of ${id} did not start within 30 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
      samples.push(performance.now() - t200);
    }
    opts.log(`click to next stage (${backend}): ${samples.length} clicks, one at a time`);
    return p50p99(samples);
  } finally {
    await h.close();
  }
}
