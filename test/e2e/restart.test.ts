/**
 * Durability across a killed process: the service runs as a real child process (`slackops serve`), is killed with
 * SIGKILL while a judgment is pending, and started again on the same SQLite file. The click still works, the
 * execution carries on, and the judgment message is not posted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { blockActionsClick, signedSlackRequest } from '../support/slack-requests.js';
import { httpCall, judgmentPipeline, waitFor, SIGNING_SECRET, BOT_TOKEN } from '../support/harness.js';

const root = new URL('../../', import.meta.url).pathname;
let slack: FakeSlack;
let dir: string;
let port: number;
let child: ChildProcess | null = null;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
    srv.on('error', reject);
  });
}

async function startProcess(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/index.ts'), 'serve', '--config', join(dir, 'slackops.yml')], {
    cwd: root, // so that `--import tsx` resolves from the project's node_modules
    env: { ...process.env, SLACKOPS_SLACK_TOKEN: BOT_TOKEN, SLACKOPS_SLACK_SIGNING_SECRET: SIGNING_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  if (process.env.TEST_CHILD_LOG) proc.on('exit', () => process.stderr.write(output));
  await waitFor('the service to answer /health', async () => (await httpCall(`http://127.0.0.1:${port}`, 'GET', '/health')).status === 200, 20_000).catch((err) => {
    throw new Error(`${(err as Error).message}\n${output}`);
  });
  return proc;
}

function kill9(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

beforeAll(async () => {
  slack = await startFakeSlack({ token: BOT_TOKEN, users: { U0ALICE: { name: 'alice', email: 'alice@example.com' } } });
  dir = mkdtempSync(join(tmpdir(), 'slackops-restart-'));
  port = await freePort();
  writeFileSync(
    join(dir, 'slackops.yml'),
    [
      'server:',
      '  host: 127.0.0.1',
      `  port: ${port}`,
      '  publicUrl: https://slackops.example.com',
      'database:',
      `  url: sqlite:${join(dir, 'data', 'slackops.db')}`,
      'slack:',
      '  enabled: true',
      `  baseUrl: ${slack.baseUrl}`,
      'logging:',
      `  level: ${process.env.TEST_CHILD_LOG ?? 'warn'}`,
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  if (child && child.exitCode === null) await kill9(child);
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 while a judgment is pending', () => {
  it('keeps the judgment judgeable, the wait deadline, and posts the message once', async () => {
    const base = `http://127.0.0.1:${port}`;
    child = await startProcess();
    const pipeline = judgmentPipeline();
    pipeline.stages.push({ refId: '3', requisiteStageRefIds: ['1'], type: 'wait', name: 'Long soak', waitTime: 2 } as never);
    expect((await httpCall(base, 'POST', '/pipelines', pipeline)).status).toBe(200);
    const trig = await httpCall(base, 'POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '9.9.9' } });
    expect(trig.status).toBe(202);
    const id = trig.body.ref.replace('/pipelines/', '');
    await waitFor('the judgment message', () => slack.messages().length === 1);
    // Let the service record the message's ts (the one window a kill can double a post: after Slack answered,
    // before the ts is stored — see README "Delivery guarantees").
    await new Promise((r) => setTimeout(r, 500));

    await kill9(child);
    child = await startProcess();

    const post = slack.callsTo('chat.postMessage')[0]!;
    const stored = slack.messages()[0]!;
    const payload = blockActionsClick({ message: { blocks: post.args.blocks as unknown[] }, actionId: 'judgment:continue', user: { id: 'U0ALICE', name: 'alice' }, channel: stored.channel, ts: stored.ts, responseUrl: slack.responseUrl() });
    const req = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
    const res = await fetch(`${base}/notifications/callbacks/slack`, { method: 'POST', headers: req.headers, body: req.body });
    expect(res.status).toBe(200);

    // kill again while the 2 s wait is running: the deadline is kept, not restarted
    await waitFor('the long soak to be RUNNING', async () => (await httpCall(base, 'GET', `/pipelines/${id}`)).body.stages[2].status === 'RUNNING');
    await kill9(child);
    child = await startProcess();

    const done = await waitFor('execution SUCCEEDED after restarts', async () => {
      const e = (await httpCall(base, 'GET', `/pipelines/${id}`)).body;
      return e.status === 'SUCCEEDED' ? e : null;
    }, 20_000);
    expect(done.stages[0].context.lastModifiedBy).toBe('alice@example.com');
    const soak = done.stages[2];
    expect(soak.endTime - soak.startTime).toBeGreaterThanOrEqual(2000);
    expect(soak.endTime - soak.startTime).toBeLessThan(15_000);
    await waitFor('the message update', () => slack.callsTo('chat.update').length >= 1);
    expect(slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(1);
    expect(slack.messages().filter((m) => !m.threadTs)).toHaveLength(1);
  });
});
