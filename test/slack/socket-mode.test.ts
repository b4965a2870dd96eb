import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SocketModeError, startSocketMode, type SocketModeTransport } from '../../src/slack/socket-mode.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { attachFakeSocketMode, FAKE_APP_TOKEN, type FakeSocketMode } from '../support/fake-socket-mode.js';
import { fixture } from '../support/fixtures.js';

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

function capturingLogger(): { lines: LogLine[]; logger: Record<LogLine['level'], (obj: object, msg?: string) => void> } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

/** A promise with its resolve/reject outside. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const clickPayload = (): Record<string, unknown> => ({
  ...fixture<{ payload: Record<string, unknown> }>('slack-block-actions.json').payload,
  response_url: 'https://hooks.slack.com/actions/T0ACME/1/SECRETRESPONSEURL',
});

let slack: FakeSlack;
let sm: FakeSocketMode;
const transports: SocketModeTransport[] = [];

beforeEach(async () => {
  // No bot token on the fake: its built-in token check would refuse the app token on apps.connections.open
  // (see test/support/fake-socket-mode.ts).
  slack = await startFakeSlack();
  sm = await attachFakeSocketMode(slack);
});

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.stop()));
  await sm.close();
  await slack.close();
});

async function start(
  onInteraction: (payload: Record<string, unknown>) => Promise<void>,
  extra: Partial<Parameters<typeof startSocketMode>[0]> = {},
): Promise<SocketModeTransport> {
  const t = await startSocketMode({
    appToken: FAKE_APP_TOKEN,
    baseUrl: slack.baseUrl,
    onInteraction,
    reconnectBackoffMs: { initial: 20, max: 100 },
    ...extra,
  });
  transports.push(t);
  return t;
}

describe('startSocketMode', () => {
  it('opens the connection with the app token at <baseUrl>/api/apps.connections.open and resolves after hello', async () => {
    const t = await start(async () => undefined);
    expect(t.connected).toBe(true);
    expect(sm.connections).toBe(1);
    expect(slack.callsTo('apps.connections.open').map((c) => c.outcome)).toEqual(['ok']);
  });

  it('hands an interactive payload to onInteraction and acknowledges only after it resolved', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const gate = deferred();
    const events: string[] = [];
    await start(async (payload) => {
      seen.push(payload);
      events.push('received');
      await gate.promise;
      events.push('recorded');
    });
    const payload = clickPayload();
    const delivery = sm.sendInteractive(payload);
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual(payload);
    // Still recording: no acknowledgement has gone out.
    await new Promise((r) => setTimeout(r, 100));
    expect(sm.received).toEqual([]);
    gate.resolve();
    const result = await delivery;
    events.push('acked');
    expect(result).toMatchObject({ delivered: true, acked: true });
    expect(result.ack).toEqual({ envelope_id: result.envelopeId, payload: {} });
    expect(events).toEqual(['received', 'recorded', 'acked']);
  });

  it('handles several envelopes at once, each acknowledged when its own handler is done', async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    await start(async (payload) => {
      const g = deferred();
      gates.set(String(payload.n), g);
      await g.promise;
    });
    const first = sm.sendInteractive({ type: 'block_actions', n: 1 });
    const second = sm.sendInteractive({ type: 'block_actions', n: 2 });
    await until(() => gates.size === 2);
    gates.get('2')!.resolve();
    expect((await second).acked).toBe(true);
    expect(sm.received.map((m) => m.envelope_id)).toEqual([(await second).envelopeId]);
    gates.get('1')!.resolve();
    expect((await first).acked).toBe(true);
  });

  it('does not acknowledge when onInteraction throws, logs why, and keeps serving', async () => {
    const { lines, logger } = capturingLogger();
    let fail = true;
    await start(
      async () => {
        if (fail) throw new Error('database is locked');
      },
      { logger },
    );
    const refused = await sm.sendInteractive(clickPayload(), { timeoutMs: 300 });
    expect(refused).toMatchObject({ delivered: true, acked: false, ack: null });
    const warning = lines.find((l) => l.level === 'warn' && /not acknowledged/.test(l.msg ?? ''));
    expect(warning?.obj).toMatchObject({ envelopeId: refused.envelopeId, error: 'database is locked' });
    fail = false;
    expect((await sm.sendInteractive(clickPayload())).acked).toBe(true);
  });

  it('acknowledges envelopes of other types without calling onInteraction', async () => {
    let calls = 0;
    await start(async () => {
      calls += 1;
    });
    const event = await sm.sendEnvelope('events_api', { type: 'event_callback', event: { type: 'app_mention' } }, { extra: { retry_attempt: 0 } });
    expect(event.acked).toBe(true);
    const malformed = await sm.sendInteractive('not an object' as unknown as Record<string, unknown>);
    expect(malformed.acked).toBe(true);
    expect(calls).toBe(0);
  });

  it("reconnects after Slack's disconnect message, calling apps.connections.open again", async () => {
    const seen: unknown[] = [];
    const t = await start(async (p) => {
      seen.push(p);
    });
    await sm.disconnectAll('refresh_requested');
    await sm.waitFor((f) => f.connectionsOpened === 2 && f.connections === 1);
    await until(() => t.connected);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(2);
    const after = await sm.sendInteractive({ type: 'block_actions', after: 'refresh' });
    expect(after.acked).toBe(true);
    expect(seen).toEqual([{ type: 'block_actions', after: 'refresh' }]);
  });

  it('reconnects after the socket is dropped without a close frame', async () => {
    const t = await start(async () => undefined);
    sm.dropAll();
    await sm.waitFor((f) => f.connectionsOpened === 2 && f.connections === 1);
    await until(() => t.connected);
    expect((await sm.sendInteractive({ type: 'block_actions' })).acked).toBe(true);
  });

  it('keeps retrying, with backoff and without an unhandled rejection, when apps.connections.open fails on reconnect', async () => {
    const { lines, logger } = capturingLogger();
    const t = await start(async () => undefined, { logger });
    slack.failNext('apps.connections.open', 1, { error: 'invalid_auth' });
    slack.failNext('apps.connections.open', 1, { status: 500 });
    slack.failNext('apps.connections.open', 1, { status: 429, retryAfterSec: 0 });
    sm.dropAll();
    await sm.waitFor((f) => f.connectionsOpened === 2 && f.connections === 1);
    await until(() => t.connected);
    expect(slack.callsTo('apps.connections.open').map((c) => c.outcome)).toEqual(['ok', 'invalid_auth', 'http_500', 'http_429', 'ok']);
    const failures = lines.filter((l) => /Slack Socket Mode connection (failed|refused)/.test(l.msg ?? ''));
    expect(failures.map((l) => [l.level, (l.obj as { code: string }).code])).toEqual([
      ['error', 'invalid_auth'],
      ['warn', 'http_500'],
      ['warn', 'ratelimited'],
    ]);
    expect(failures.map((l) => (l.obj as { attempt: number }).attempt)).toEqual([1, 2, 3]);
  });

  it('stop() finishes envelopes being handled, closes the socket, does not reconnect, and is idempotent', async () => {
    const gate = deferred();
    let started = 0;
    const t = await start(async () => {
      started += 1;
      await gate.promise;
    });
    const delivery = sm.sendInteractive({ type: 'block_actions' });
    await until(() => started === 1);
    const stopping = t.stop();
    gate.resolve();
    await stopping;
    expect((await delivery).acked).toBe(true);
    expect(t.connected).toBe(false);
    await sm.waitFor((f) => f.connections === 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(sm.connectionsOpened).toBe(1);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(1);
    await t.stop();
  });

  it('stop() during a reconnect backoff ends the retries', async () => {
    const t = await start(async () => undefined, { reconnectBackoffMs: { initial: 60_000, max: 60_000 } });
    slack.failNext('apps.connections.open', 1, { status: 500 });
    sm.dropAll();
    await slack.waitFor((calls) => calls.filter((c) => c.method === 'apps.connections.open').length === 2);
    const before = Date.now();
    await t.stop();
    expect(Date.now() - before).toBeLessThan(2000);
    expect(t.connected).toBe(false);
    expect(sm.connections).toBe(0);
  });

  it('rejects, naming the problem but not the token, when the app token is refused', async () => {
    const wrong = 'xapp-1-A0FAKEAPP-9999-WRONGSECRETTOKEN';
    const err = await startSocketMode({ appToken: wrong, baseUrl: slack.baseUrl, onInteraction: async () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketModeError);
    expect(err).toMatchObject({ code: 'invalid_auth', retryable: false });
    expect((err as Error).message).toMatch(/invalid_auth.*slack\.appToken/);
    expect(JSON.stringify([String(err), (err as Error).stack])).not.toContain('WRONGSECRETTOKEN');
    expect(sm.connectionsOpened).toBe(0);
  });

  it('rejects when Slack cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const err = await startSocketMode({ appToken: FAKE_APP_TOKEN, baseUrl: `http://127.0.0.1:${port}`, onInteraction: async () => undefined }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: 'SocketModeError', code: 'request_error', retryable: true });
  });

  it('rejects when Slack never says hello, and leaves no connection open', async () => {
    sm.sendHello = false;
    const err = await start(async () => undefined, { connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SocketModeError', code: 'connect_timeout' });
    await sm.waitFor((f) => f.connections === 0);
    expect(sm.connectionsOpened).toBe(1);
  });

  it('never logs the app token or a payload (response_url is a capability)', async () => {
    const { lines, logger } = capturingLogger();
    const t = await start(
      async (p) => {
        if (p.fail === true) throw new Error(`could not record ${String(p.response_url)}`);
      },
      { logger },
    );
    await sm.sendInteractive(clickPayload());
    await sm.sendInteractive({ ...clickPayload(), fail: true }, { timeoutMs: 200 });
    slack.failNext('apps.connections.open', 1, { error: 'invalid_auth' });
    await sm.disconnectAll();
    await until(() => t.connected && sm.connectionsOpened === 2);
    await t.stop();
    expect(lines.length).toBeGreaterThan(3);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(FAKE_APP_TOKEN);
    expect(text).not.toContain('SECRETRESPONSEURL');
    expect(text).not.toContain('ticket=');
  });
});
