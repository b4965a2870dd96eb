/**
 * The service as a real child process (`node --import tsx src/cli/index.ts serve --config FILE`), for tests that
 * kill it (SIGKILL: no shutdown code runs) or run several replicas side by side. Each replica gets its own YAML
 * file and port; the bot token and signing secret come through the environment, as an operator would pass them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BOT_TOKEN, SIGNING_SECRET, httpCall, waitFor } from './harness.js';
import { blockActionsClick, signedSlackRequest, viewSubmission } from './slack-requests.js';
import type { FakeSlack } from './fake-slack.js';
import { decodeButtonValue } from '../../src/slack/payload.js';

const root = new URL('../../', import.meta.url).pathname;

/** A free TCP port on 127.0.0.1 (free when asked; another process may take it before it is used). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
}

export interface ReplicaOptions {
  /** Directory for the YAML file (and the SQLite file, when `databaseUrl` names one there). */
  dir: string;
  /** A name for the YAML file and messages, e.g. `a`. */
  name: string;
  databaseUrl: string;
  /** The fake Slack's base URL. */
  slackBaseUrl: string;
  /** `database.leaseMs` (default: the service's default). */
  leaseMs?: number;
  /** How long to wait for `GET /health` to answer 200 at start (ms; default 30,000). */
  startTimeoutMs?: number;
}

/** A `slackops serve` child process. Its output is kept (`output()`) for failure messages; TEST_CHILD_LOG=debug prints it. */
export class Replica {
  readonly base: string;
  private proc: ChildProcess | null = null;
  private log = '';
  private readonly configFile: string;

  private constructor(
    private readonly opts: ReplicaOptions,
    readonly port: number,
  ) {
    this.base = `http://127.0.0.1:${port}`;
    this.configFile = join(opts.dir, `slackops-${opts.name}.yml`);
    writeFileSync(
      this.configFile,
      [
        'server:',
        '  host: 127.0.0.1',
        `  port: ${port}`,
        '  publicUrl: https://slackops.example.com',
        'database:',
        `  url: ${opts.databaseUrl}`,
        ...(opts.leaseMs !== undefined ? [`  leaseMs: ${opts.leaseMs}`] : []),
        'slack:',
        '  enabled: true',
        `  baseUrl: ${opts.slackBaseUrl}`,
        'logging:',
        `  level: ${process.env.TEST_CHILD_LOG ?? 'warn'}`,
        '',
      ].join('\n'),
    );
  }

  /** Writes the replica's config on a free port and starts it (see {@link start}). */
  static async start(opts: ReplicaOptions): Promise<Replica> {
    const r = new Replica(opts, await freePort());
    await r.start();
    return r;
  }

  /** Everything the process wrote to stdout and stderr, across restarts. */
  output(): string {
    return this.log;
  }

  get alive(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The process's exit code / signal when it has ended by itself (null while it runs or after kill9/stop). */
  exited: { code: number | null; signal: string | null } | null = null;

  /**
   * Starts the process (again, after a kill) and waits until `GET /health` answers 200.
   * @throws when it does not become healthy in time (the message carries its output).
   */
  async start(): Promise<void> {
    if (this.alive) throw new Error(`replica ${this.opts.name} is already running`);
    this.exited = null;
    const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/index.ts'), 'serve', '--config', this.configFile], {
      cwd: root, // so that `--import tsx` resolves from the project's node_modules
      env: { ...process.env, SLACKOPS_SLACK_TOKEN: BOT_TOKEN, SLACKOPS_SLACK_SIGNING_SECRET: SIGNING_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const tag = (d: Buffer) => {
      const text = String(d);
      this.log += text;
      if (process.env.TEST_CHILD_LOG) process.stderr.write(`[${this.opts.name}] ${text}`);
    };
    proc.stdout!.on('data', tag);
    proc.stderr!.on('data', tag);
    proc.on('exit', (code, signal) => {
      if (this.proc === proc && !this.killing) this.exited = { code, signal };
    });
    await waitFor(
      `replica ${this.opts.name} to answer /health`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}`);
        return (await httpCall(this.base, 'GET', '/health')).status === 200;
      },
      this.opts.startTimeoutMs ?? 30_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${this.log}`);
    });
  }

  private killing = false;

  /** SIGKILL (no shutdown code runs); resolves when the process is gone. */
  async kill9(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM (graceful stop); resolves when the process is gone. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    this.killing = true;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(sig);
    });
    this.killing = false;
  }

  /** A JSON API call to this replica. */
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }> {
    return httpCall<T>(this.base, method, path, body, headers);
  }

  /** Sends a signed Slack interaction (`payload` as built by slack-requests.ts) to this replica's callback. */
  async slackCallback(payload: object): Promise<Response> {
    const req = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
    return fetch(`${this.base}/notifications/callbacks/slack`, { method: 'POST', headers: req.headers, body: req.body });
  }
}

// ---- the judgment scenario the crash tests share -------------------------------------------------------------

/** Users the crash tests' fake Slack knows: alice approves, bob rejects. */
export const CRASH_USERS = {
  U0ALICE: { name: 'alice', email: 'alice@example.com', realName: 'Alice' },
  U0BOB: { name: 'bob', email: 'bob@example.com', realName: 'Bob' },
} as const;

/** wait (`waitSec`) → manual judgment posting to #deploys (awaiting, continue and stop notifications) → wait. */
export function crashPipeline(application: string, waitSec = 1) {
  return {
    application,
    name: 'Ship',
    stages: [
      { refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Before', waitTime: waitSec },
      {
        refId: '2',
        requisiteStageRefIds: ['1'],
        type: 'manualJudgment',
        name: 'Approve',
        failPipeline: true,
        sendNotifications: true,
        notifications: [{ type: 'slack', address: '#deploys', level: 'stage', when: ['manualJudgment', 'manualJudgmentContinue', 'manualJudgmentStop'] }],
      },
      { refId: '3', requisiteStageRefIds: ['2'], type: 'wait', name: 'After', waitTime: waitSec },
    ],
  };
}

/** The execution id a judgment message's Approve button carries (null when it has none: a thread reply, a decided message). */
export function executionIdOfMessage(blocks: unknown): string | null {
  if (!Array.isArray(blocks)) return null;
  try {
    const click = blockActionsClick({ message: blocks, actionId: 'judgment:continue', user: { id: 'U0', name: 'x' }, channel: 'C0', ts: '1.0' });
    return decodeButtonValue((click.actions as Array<{ value?: unknown }>)[0]!.value).executionId;
  } catch {
    return null;
  }
}

/** A judgment message as posted: how many times it was posted for its execution, and the first post's place. */
export interface PostedJudgment {
  posts: number;
  channel: string;
  ts: string;
  /** The blocks as posted (with the buttons), for building clicks. */
  blocks: unknown[];
}

/**
 * The judgment messages the fake accepted (chat.postMessage answered ok, not a thread reply), by execution id.
 * Calls and kept messages are in the order the fake handled them, so the n-th successful top-level post is the
 * n-th top-level message.
 */
export function judgmentPosts(slack: FakeSlack): Map<string, PostedJudgment> {
  const posts = slack.callsTo('chat.postMessage').filter((c) => c.outcome === 'ok' && !c.args.thread_ts);
  const messages = slack.messages().filter((m) => !m.threadTs);
  const out = new Map<string, PostedJudgment>();
  posts.forEach((call, i) => {
    const id = executionIdOfMessage(call.args.blocks);
    const m = messages[i];
    if (!id || !m) return;
    const known = out.get(id);
    if (known) known.posts += 1;
    else out.set(id, { posts: 1, channel: m.channel, ts: m.ts, blocks: call.args.blocks as unknown[] });
  });
  return out;
}

/**
 * Judges an execution the way a person does in Slack: Approve is one signed block_actions click; Reject is a
 * click that opens the reason dialog (views.open on the fake) and then a signed view_submission of it, which may
 * go to another replica (`submitTo`). Resolves once every request was answered 200 (the interaction is recorded
 * durably; it is judged asynchronously).
 */
export async function judgeInSlack(
  slack: FakeSlack,
  posted: PostedJudgment,
  decision: 'continue' | 'stop',
  user: { id: string; name: string },
  to: Replica,
  submitTo: Replica = to,
): Promise<void> {
  const click = blockActionsClick({
    message: posted.blocks,
    actionId: decision === 'continue' ? 'judgment:continue' : 'judgment:stop',
    user,
    channel: posted.channel,
    ts: posted.ts,
    responseUrl: slack.responseUrl(),
  });
  const res = await to.slackCallback(click);
  if (res.status !== 200) throw new Error(`click answered ${res.status}: ${await res.text()}`);
  if (decision === 'continue') return;
  const view = await waitFor('the reject dialog', () => slack.views().find((v) => v.triggerId === click.trigger_id), 20_000);
  const sub = await submitTo.slackCallback(viewSubmission({ view, user, reason: 'crash test says no' }));
  if (sub.status !== 200) throw new Error(`view_submission answered ${sub.status}: ${await sub.text()}`);
}
