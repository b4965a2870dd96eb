/**
 * A real SlackOps service with NO Slack token configured, so Slack is the built-in sandbox (`slack.mode` defaults
 * to `sandbox`): real SQLite file in a temp directory, real HTTP on loopback, and helpers to read the sandbox the way
 * the `/#/slack-sandbox` page does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pino from 'pino';
import { parseConfig, type Config } from '../../src/config/index.js';
import { createService, type Service } from '../../src/service.js';
import { httpCall, waitFor } from './harness.js';

export interface SandboxService {
  service: Service;
  config: Config;
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** Waits for the first top-level message in `channel` (name) whose text matches, and returns it. */
  message(channel: string, match?: RegExp): Promise<{ ts: string; text: string; blocks: any[]; updates: number; threadTs: string | null }>;
  close(): Promise<void>;
}

/** Starts it; `slack` is merged into the slack section (e.g. `{ mode: 'sandbox' }`), `uiDir` points at a UI build. */
export async function startSandboxService(opts: { slack?: Record<string, unknown>; uiDir?: string; authz?: Record<string, unknown>; auth?: Record<string, unknown>; headers?: Record<string, string> } = {}): Promise<SandboxService> {
  const dir = mkdtempSync(join(tmpdir(), 'slackops-sandbox-'));
  // A real port (not 0), so that server.publicUrl's default — used in links and the manifest — is the real address.
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const raw: Record<string, unknown> = {
    server: { host: '127.0.0.1', port },
    database: { url: `sqlite:${join(dir, 'slackops.db')}` },
    logging: { level: 'silent' },
    ...(opts.slack ? { slack: opts.slack } : {}),
    ...(opts.authz ? { authz: opts.authz } : {}),
    ...(opts.auth ? { auth: opts.auth } : {}),
  };
  const config = parseConfig(raw, {});
  const service = await createService(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(opts.uiDir !== undefined ? { uiDir: opts.uiDir } : {}),
  });
  await service.start();
  const api = <T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => httpCall<T>(service.url, method, path, body, headers);
  return {
    service,
    config,
    api,
    async message(channel, match) {
      return waitFor(`a message in #${channel}${match ? ` matching ${match}` : ''}`, async () => {
        const r = await api('GET', `/sandbox/slack/messages?channel=${encodeURIComponent(channel)}`, undefined, opts.headers);
        return (r.body?.messages ?? []).find((m: any) => m.threadTs === null && (!match || match.test(m.text)));
      }, 20_000);
    },
    async close() {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
