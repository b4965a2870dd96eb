/**
 * Benchmarks of the main job, printing figures (never pass/fail): `npm run bench` (add `-- --json` for JSON,
 * `-- --executions N` to change the sample size).
 *
 * - callback ack: time from sending a signed Slack click to its 200 (Slack gives up at 3,000 ms);
 * - 200 → next stage RUNNING: from the callback's 200 to the stage after the judgment being RUNNING, as seen
 *   by polling the store every millisecond (Spinnaker's judgment task polls every 15 s); often 0, as the click
 *   is usually judged before the 200 reaches the client;
 * - click sent → next stage RUNNING: the whole path, request included;
 * - trigger → message posted: from the trigger's 202 to chat.postMessage reaching the fake Slack.
 *
 * Everything runs in this process on loopback: a real SlackOps service on a temporary SQLite file and the fake
 * Slack Web API. Clicks are sent one at a time (latency, not throughput).
 */
import { performance } from 'node:perf_hooks';
import { startHarness, waitFor, judgmentPipeline, SIGNING_SECRET } from '../test/support/harness.js';
import { blockActionsClick, signedSlackRequest } from '../test/support/slack-requests.js';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

function summary(name: string, samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { name, n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1)!, mean };
}

async function main() {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const nIdx = args.indexOf('--executions');
  const n = nIdx >= 0 ? Number(args[nIdx + 1]) : 100;
  const unknown = args.filter((a, i) => a.startsWith('--') && a !== '--json' && a !== '--executions' && !(i > 0 && args[i - 1] === '--executions'));
  if (!Number.isInteger(n) || n < 1 || n > 10_000 || unknown.length > 0) {
    process.stderr.write(`usage: npm run bench -- [--json] [--executions N (1-10000)]${unknown.length ? `; unknown: ${unknown.join(' ')}` : ''}\n`);
    process.exit(2);
  }
  const h = await startHarness();
  const ack: number[] = [];
  const next: number[] = [];
  const total: number[] = [];
  const posted: number[] = [];
  try {
    // only the awaiting message, so each iteration's last posted message is its own judgment message
    const pipeline = judgmentPipeline({}, { notifications: [{ type: 'slack', address: 'deploys', when: ['manualJudgment'] }] });
    pipeline.stages[1] = { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'Soak', waitTime: 60 };
    await h.api('POST', '/pipelines', pipeline);
    for (let i = 0; i < n; i++) {
      const before = h.slack.messages().length;
      const trig = await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: String(i) } });
      const id = trig.body.ref.replace('/pipelines/', '');
      const t1 = performance.now();
      await waitFor('message', () => h.slack.messages().length > before, 10_000);
      posted.push(performance.now() - t1);
      const stored = h.slack.messages().at(-1)!;
      const post = h.slack.callsTo('chat.postMessage').at(-1)!;
      const payload = blockActionsClick({ message: { blocks: post.args.blocks as unknown[] }, actionId: 'judgment:continue', user: { id: 'U0ALICE', name: 'alice' }, channel: stored.channel, ts: stored.ts });
      const req = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
      const c0 = performance.now();
      const res = await fetch(`${h.service.url}/notifications/callbacks/slack`, { method: 'POST', headers: req.headers, body: req.body });
      const c1 = performance.now();
      if (res.status !== 200) throw new Error(`callback answered ${res.status}`);
      ack.push(c1 - c0);
      for (;;) {
        const e = await h.service.store.repos.executions.get(id);
        if (e?.stages[1]?.status === 'RUNNING') break;
        if (performance.now() - c1 > 10_000) throw new Error('next stage did not start');
        await new Promise((r) => setTimeout(r, 1));
      }
      next.push(performance.now() - c1);
      total.push(performance.now() - c0);
      await h.api('PUT', `/pipelines/${id}/cancel`);
    }
  } finally {
    await h.close();
  }
  const rows = [summary('callback ack (ms)', ack), summary('200 → next stage RUNNING (ms)', next),
    summary('click sent → next stage RUNNING (ms)', total), summary('trigger → message posted (ms)', posted)];
  if (json) {
    process.stdout.write(`${JSON.stringify({ database: 'sqlite', node: process.version, rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`SlackOps benchmarks — SQLite, ${process.version}, ${n} executions, one at a time\n\n`);
  const f = (x: number) => x.toFixed(1).padStart(8);
  process.stdout.write(`${'measure'.padEnd(38)}${'n'.padStart(6)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'max'.padStart(8)}${'mean'.padStart(8)}\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(38)}${String(r.n).padStart(6)}${f(r.p50)}${f(r.p99)}${f(r.max)}${f(r.mean)}\n`);
}

await main();
