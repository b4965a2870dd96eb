/**
 * `npm run bench`: the benchmarks of issue 6, on SQLite and on PostgreSQL, printing figures — never pass/fail.
 *
 *   npm run bench [-- --json] [-- --quick] [-- --only sqlite|postgres]
 *
 * Parts (each in bench/parts/, each on a fresh database, one after another so they do not load each other):
 * callback acknowledgement (signed clicks/s at a fixed offered rate, p50/p99), click to next stage (200 →
 * next stage RUNNING, p50/p99), throughput (executions of wait 0 → judgment → wait 0 in flight, judged by
 * clicks) and footprint (start-up to healthy, RSS with executions awaiting judgment, in a separate process).
 *
 * Output: a table on stdout; with `--json` the last stdout line is exactly one JSON object
 * `{"sqlite": FIGURES | null, "postgres": FIGURES | null}`, FIGURES =
 * `{"callbackAck": {"rps", "p50Ms", "p99Ms"}, "clickToNextStage": {"p50Ms", "p99Ms"},
 *   "throughput": {"executions", "seconds"}, "footprint": {"awaiting", "rssMb", "startupMs"}}` (ms, s, MB).
 * A backend that cannot be reached or whose run fails is `null`, with the reason on stderr. Progress notes go to
 * stderr. `--quick` runs every part smaller (the whole run in under a minute); `--only` runs one backend (the
 * other is `null`). Unknown options: usage on stderr, exit 2.
 */
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { postgresUnavailable, TEST_PG_URL } from '../test/support/harness.js';
import type { Backend } from './parts/common.js';
import { callbackAck, type CallbackAckFigures } from './parts/callback-ack.js';
import { clickToNextStage, type ClickToNextStageFigures } from './parts/click-to-next-stage.js';
import { throughput, type ThroughputFigures } from './parts/throughput.js';
import { footprint, serveCommand, type FootprintFigures } from './parts/footprint.js';

export interface Figures {
  callbackAck: CallbackAckFigures;
  clickToNextStage: ClickToNextStageFigures;
  throughput: ThroughputFigures;
  footprint: FootprintFigures;
}

/** Sizes of each part: the for a full run, smaller for `--quick`. */
const SIZES = {
  full: { ackRate: 200, ackSeconds: 5, ackAwaiting: 500, clickSamples: 200, executions: 1000, awaiting: 10_000 },
  quick: { ackRate: 200, ackSeconds: 2, ackAwaiting: 50, clickSamples: 20, executions: 50, awaiting: 200 },
};

const USAGE = 'usage: npm run bench -- [--json] [--quick] [--only sqlite|postgres]\n';

function parseArgs(argv: string[]): { json: boolean; quick: boolean; backends: Backend[] } {
  let json = false;
  let quick = false;
  let backends: Backend[] = ['sqlite', 'postgres'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--quick') quick = true;
    else if (a === '--only' && (argv[i + 1] === 'sqlite' || argv[i + 1] === 'postgres')) backends = [argv[++i] as Backend];
    else {
      process.stderr.write(`${USAGE}unknown or incomplete option: ${a}${a === '--only' ? ' (sqlite or postgres)' : ''}\n`);
      process.exit(2);
    }
  }
  return { json, quick, backends };
}

const log = (s: string) => process.stderr.write(`${s}\n`);

async function runBackend(backend: Backend, size: (typeof SIZES)['full']): Promise<Figures | null> {
  if (backend === 'postgres') {
    const why = await postgresUnavailable();
    if (why) {
      log(`postgres: null — ${why}`);
      return null;
    }
  }
  try {
    return {
      callbackAck: await callbackAck(backend, { rate: size.ackRate, durationS: size.ackSeconds, awaiting: size.ackAwaiting, log }),
      clickToNextStage: await clickToNextStage(backend, { samples: size.clickSamples, log }),
      throughput: await throughput(backend, { executions: size.executions, log }),
      footprint: await footprint(backend, { awaiting: size.awaiting, log }),
    };
  } catch (err) {
    log(`${backend}: null — the run failed: ${(err as Error).stack ?? String(err)}`);
    return null;
  }
}

function table(results: Record<Backend, Figures | null>, header: string): string {
  const f = (x: number | undefined, unit = '') => (x === undefined || Number.isNaN(x) ? '—' : `${x}${unit}`);
  const rows: Array<[string, string, (x: Figures) => string]> = [
    ['callback ack: clicks/s sustained', '200 offered', (x) => f(x.callbackAck.rps)],
    ['callback ack: p50 / p99', 'p99 < 25 ms', (x) => `${f(x.callbackAck.p50Ms)} / ${f(x.callbackAck.p99Ms)} ms`],
    ['click → next stage RUNNING: p50 / p99', 'p99 < 100 ms', (x) => `${f(x.clickToNextStage.p50Ms)} / ${f(x.clickToNextStage.p99Ms)} ms`],
    ['throughput: executions completed', '1,000', (x) => f(x.throughput.executions)],
    ['throughput: seconds for all', '< 20 s', (x) => f(x.throughput.seconds, ' s')],
    ['footprint: executions awaiting judgment', '10,000', (x) => f(x.footprint.awaiting)],
    ['footprint: RSS', '< 300 MB', (x) => f(x.footprint.rssMb, ' MB')],
    ['footprint: start-up to healthy', '< 1.5 s', (x) => f(x.footprint.startupMs, ' ms')],
  ];
  const cols = ['measure', 'goal', 'sqlite', 'postgres'];
  const cells = rows.map(([name, goal, get]) => [name, goal, results.sqlite ? get(results.sqlite) : 'null', results.postgres ? get(results.postgres) : 'null']);
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return `${header}\n\n${line(cols)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${cells.map(line).join('\n')}\n`;
}

async function main() {
  const { json, quick, backends } = parseArgs(process.argv.slice(2));
  const size = quick ? SIZES.quick : SIZES.full;
  const started = performance.now();
  const results: Record<Backend, Figures | null> = { sqlite: null, postgres: null };
  for (const b of backends) {
    log(`${b}: running${quick ? ' (quick)' : ''}…`);
    results[b] = await runBackend(b, size);
  }
  if (!backends.includes('sqlite')) log('sqlite: null — not run (--only postgres)');
  if (!backends.includes('postgres')) log('postgres: null — not run (--only sqlite)');
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const header =
    `SlackOps benchmarks${quick ? ' (--quick: every part smaller)' : ''} — ${new Date().toISOString().slice(0, 16)}Z, ` +
    `Node ${process.version}, ${cpus().length} CPUs, PostgreSQL at ${new URL(TEST_PG_URL).host}, ${seconds} s\n` +
    `sizes: ack ${size.ackRate}/s × ${size.ackSeconds} s over ${size.ackAwaiting} awaiting; ${size.clickSamples} clicks one at a time; ` +
    `${size.executions} executions in flight; ${size.awaiting} awaiting; service process: ${serveCommand().label}`;
  if (json) {
    process.stderr.write(table(results, header));
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } else {
    process.stdout.write(table(results, header));
  }
}

await main();
