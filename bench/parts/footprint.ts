/**
 * Footprint: start-up time to healthy, and resident memory with many executions awaiting judgment.
 *
 * How: `slackops serve` runs as its own process — the compiled `bin/slackops.js` when `dist/` is built
 * (`npm run build`), else `node --import tsx src/cli/index.ts` (which adds TypeScript transpiling to the start-up;
 * the table says which) — with a configuration file on a fresh database of the backend and Slack disabled (no
 * messages are posted, so creating the executions is not limited by delivery; the judgments still wait, as for
 * a PATCH from Deck). `startupMs` is from spawning the process to the first `GET /health` answering 200 (polled
 * every 10 ms; includes Node's own start, loading the code and running the migrations). Then `awaiting`
 * executions of wait 0 → Manual Judgment → wait 0 are triggered through the API, each is checked with
 * `GET /pipelines/{id}` until its judgment stage is `RUNNING`, and after a 2 s settle `rssMb` is the process's
 * VmRSS from /proc/<pid>/status, in MB (MiB). `SLACKOPS_BENCH_SERVE_NODE_ARGS` adds Node options to the service
 * process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { httpCall } from '../../test/support/harness.js';
import { round1 } from '../stats.js';
import { type Backend, benchDatabase, mapLimit, saveBenchPipeline, triggerMany } from './common.js';

export interface FootprintFigures {
  awaiting: number;
  rssMb: number;
  startupMs: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** How `serve` is started: compiled when `dist/cli/index.js` exists, else through tsx. */
export function serveCommand(): { args: string[]; label: string } {
  if (existsSync(join(ROOT, 'dist/cli/index.js'))) return { args: [join(ROOT, 'bin/slackops.js'), 'serve'], label: 'node bin/slackops.js (compiled dist/)' };
  return { args: ['--import', 'tsx', join(ROOT, 'src/cli/index.ts'), 'serve'], label: 'node --import tsx src/cli/index.ts (no dist/: run npm run build for the compiled figure)' };
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** VmRSS of `pid` in MB (MiB), from /proc/<pid>/status. @throws Error when the line is missing (not Linux). */
export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

export async function footprint(backend: Backend, opts: { awaiting: number; log: (s: string) => void }): Promise<FootprintFigures> {
  const db = await benchDatabase(backend);
  const dir = mkdtempSync(join(tmpdir(), 'slackops-bench-'));
  let child: ChildProcess | undefined;
  let stderr = '';
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = {
      server: { host: '127.0.0.1', port, publicUrl: base },
      database: { url: db.postgresUrl ?? `sqlite:${join(dir, 'slackops.db')}` },
      slack: { enabled: false },
      logging: { level: 'warn' },
    };
    const file = join(dir, 'slackops.yml');
    writeFileSync(file, stringify(config));
    const cmd = serveCommand();
    const t0 = performance.now();
    // e.g. SLACKOPS_BENCH_SERVE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the service process
    const nodeArgs = (process.env.SLACKOPS_BENCH_SERVE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    child = spawn(process.execPath, [...nodeArgs, ...cmd.args, '--config', file], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SLACKOPS_CONFIG: '' } });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 10_000) stderr += d.toString();
    });
    let exited: string | null = null;
    child.once('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
    for (;;) {
      if (exited) throw new Error(`slackops serve ${exited}: ${stderr.trim()}`);
      const ok = await fetch(`${base}/health`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (performance.now() - t0 > 60_000) throw new Error('slackops serve was not healthy within 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const startupMs = performance.now() - t0;
    opts.log(`footprint (${backend}): ${cmd.label} healthy after ${startupMs.toFixed(0)} ms; Slack disabled`);
    const api = (method: string, path: string, body?: unknown) => httpCall(base, method, path, body);
    await saveBenchPipeline({ api }, 0);
    const t1 = performance.now();
    const ids = await triggerMany(api, opts.awaiting);
    const triggered = performance.now();
    await mapLimit(ids, 16, async (id) => {
      const until = Date.now() + 300_000;
      for (;;) {
        const e = await api('GET', `/pipelines/${id}`);
        if ((e.body?.stages as Array<{ refId: string; status: string }> | undefined)?.find((s) => s.refId === '2')?.status === 'RUNNING') return;
        if (Date.now() > until) throw new Error(`execution ${id} was not awaiting judgment within 300 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    opts.log(
      `footprint (${backend}): ${ids.length} triggered in ${((triggered - t1) / 1000).toFixed(1)} s, all awaiting judgment after ${((performance.now() - t1) / 1000).toFixed(1)} s`,
    );
    await new Promise((r) => setTimeout(r, 2_000));
    const rss = rssMb(child.pid!);
    return { awaiting: ids.length, rssMb: round1(rss), startupMs: round1(startupMs) };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}
