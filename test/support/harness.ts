/**
 * Test harness: a real SlackOps service (real SQLite file in a temp directory, real HTTP on loopback) wired to the
 * fake Slack Web API, plus small helpers to call the API and wait for asynchronous outcomes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { parseConfig, type Config } from '../../src/config/index.js';
import { createService, type Service } from '../../src/service.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import { blockActionsClick, signedSlackRequest } from './slack-requests.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-test-0000-token';

export interface Harness {
  service: Service;
  slack: FakeSlack;
  /** The judgment message posted to `channel` (default the first one), its blocks, channel id and ts. */
  judgmentMessage(channel?: string): Promise<{ blocks: any[]; channel: string; ts: string }>;
  /** Sends a signed Block Kit click on the button `actionId` of the judgment message, as `user`. */
  click(actionId: string, user?: { id: string; name: string }, channel?: string): Promise<Response>;
  /** Sends a signed payload to the Slack callback. */
  send(payload: object): Promise<Response>;
  dir: string;
  config: Config;
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/**
 * The PostgreSQL server tests may use: `SLACKOPS_TEST_PG_URL` or the machine's local server (trust auth, database
 * `test`). Tests create their own database on it and drop it after.
 */
export const TEST_PG_URL = process.env.SLACKOPS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Null when the test PostgreSQL server answers, else why not (for a skip message). */
export async function postgresUnavailable(adminUrl = TEST_PG_URL): Promise<string | null> {
  const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    await c.query('select 1');
    return null;
  } catch (err) {
    return `PostgreSQL at ${new URL(adminUrl).host} is unreachable (${(err as Error).message || (err as { code?: string }).code}); start it with .ci/run`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A fresh, empty PostgreSQL database (`<prefix>_<random>`, default `slackops_test_<random>`) and how to drop it. */
export interface PgTestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createPgDatabase(adminUrl = TEST_PG_URL, prefix = 'slackops_test'): Promise<PgTestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  await admin(`create database ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** Polls `fn` until it returns a truthy value, or throws after `timeoutMs` with `what` in the message. */
export async function waitFor<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function httpCall<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T };
}

export async function startHarness(
  opts: {
    slack?: FakeSlack;
    dir?: string;
    slackEnabled?: boolean;
    logger?: pino.Logger;
    /** Extra configuration merged over the defaults (e.g. `{ authz: {...} }`, `{ slack: {...} }`). */
    config?: Record<string, Record<string, unknown>>;
    /**
     * Runs on PostgreSQL instead of the SQLite file: `true` creates a fresh database on {@link TEST_PG_URL} and
     * drops it on close; a `postgres://` URL uses that database as it is (several harnesses sharing one database
     * act as replicas; the caller drops it). Unset, `SLACKOPS_TEST_POSTGRES=1` in the environment turns it on for
     * every harness that does not bring its own `dir` (so a whole suite can be run on PostgreSQL).
     */
    postgres?: boolean | string;
  } = {},
): Promise<Harness> {
  const slack =
    opts.slack ??
    (await startFakeSlack({
      token: BOT_TOKEN,
      users: {
        U0ALICE: { name: 'alice', email: 'alice@example.com', realName: 'Alice' },
        U0BOB: { name: 'bob', email: 'bob@example.com', realName: 'Bob' },
        U0CAROL: { name: 'carol', email: 'carol@example.com', realName: 'Carol' },
        U0NOMAIL: { name: 'nomail' },
      },
      userGroups: { sre: { id: 'S0SRE', name: 'Site reliability', users: ['U0CAROL'] } },
    }));
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'slackops-test-'));
  const usePostgres = opts.postgres ?? (process.env.SLACKOPS_TEST_POSTGRES === '1' && opts.dir === undefined);
  const pgDb = usePostgres === true ? await createPgDatabase() : undefined;
  const databaseUrl = pgDb?.url ?? (typeof usePostgres === 'string' ? usePostgres : `sqlite:${join(dir, 'slackops.db')}`);
  const raw: Record<string, Record<string, unknown>> = {
    server: { host: '127.0.0.1', port: 0, publicUrl: 'https://slackops.example.com' },
    database: { url: databaseUrl },
    slack: opts.slackEnabled === false ? { enabled: false } : { enabled: true, token: BOT_TOKEN, signingSecret: SIGNING_SECRET, baseUrl: slack.baseUrl },
    logging: { level: 'silent' },
  };
  for (const [k, v] of Object.entries(opts.config ?? {})) raw[k] = { ...(raw[k] ?? {}), ...v };
  const config = parseConfig(raw, {});
  let service: Service;
  try {
    service = await createService(config, { logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
    await service.start();
  } catch (err) {
    await pgDb?.drop().catch(() => undefined);
    throw err;
  }
  const judgmentMessage = async (channel?: string) => {
    const m = await waitFor('the judgment message', () =>
      slack.messages().find((x) => !x.threadTs && (channel === undefined || x.channel === slack.channelId(channel))),
    );
    return { blocks: (m.blocks ?? []) as any[], channel: m.channel, ts: m.ts };
  };
  const send = async (payload: object) => {
    const req = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
    return fetch(`${service.url}/notifications/callbacks/slack`, { method: 'POST', headers: req.headers, body: req.body });
  };
  return {
    service,
    slack,
    dir,
    config,
    api: (method, path, body, headers) => httpCall(service.url, method, path, body, headers),
    judgmentMessage,
    send,
    async click(actionId, user = { id: 'U0ALICE', name: 'alice' }, channel) {
      const m = await judgmentMessage(channel);
      const payload = blockActionsClick({ message: { blocks: m.blocks }, actionId, user, channel: m.channel, ts: m.ts, responseUrl: slack.responseUrl() });
      return send(payload);
    },
    async close() {
      await service.stop();
      await pgDb?.drop();
      if (!opts.slack) await slack.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A pipeline with one manual judgment posting to #deploys, then a wait stage. */
export function judgmentPipeline(overrides: Record<string, unknown> = {}, stageOverrides: Record<string, unknown> = {}) {
  return {
    application: 'checkout',
    name: 'Deploy to production',
    parameterConfig: [
      { name: 'version', required: true },
      { name: 'region', default: 'eu-west-1', hasOptions: true, options: [{ value: 'eu-west-1' }, { value: 'us-east-1' }] },
    ],
    stages: [
      {
        refId: '1',
        requisiteStageRefIds: [],
        type: 'manualJudgment',
        name: 'Approve production',
        instructions: 'Deploy *${parameters.version}* to ${parameters.region}? Asked by ${trigger.user}.',
        failPipeline: true,
        sendNotifications: true,
        notifications: [{ type: 'slack', address: '#deploys', level: 'stage', when: ['manualJudgment', 'manualJudgmentContinue', 'manualJudgmentStop'] }],
        ...stageOverrides,
      },
      { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'Soak', waitTime: 0 },
    ],
    ...overrides,
  };
}
