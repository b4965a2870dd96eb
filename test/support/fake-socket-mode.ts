/**
 * A fake Slack Socket Mode for tests, attached to a running fake Slack ({@link FakeSlack}):
 *
 * - `apps.connections.open` (served by the fake's HTTP server through `fake.onMethod`) checks the app-level token
 *   (`Authorization: Bearer xapp-…`) and answers `{ok: true, url: 'ws://127.0.0.1:<port>/link/?ticket=…&app_id=…'}`,
 *   Slack's shape with a WebSocket URL on the fake's own port. Each ticket opens one connection.
 * - The WebSocket server (`ws`, on the fake's HTTP server via its `upgrade` event) greets each connection with
 *   `{type: 'hello', num_connections, connection_info: {app_id}, debug_info: {…}}`, as Slack does, and records
 *   every message the client sends.
 * - Tests push envelopes (`sendInteractive`) and watch for the acknowledgement `{envelope_id, payload?}`; ask the
 *   client to reconnect (`disconnectAll`, Slack's `{type: 'disconnect', reason: 'refresh_requested'}`) or cut the
 *   connection without a close frame (`dropAll`).
 *
 * Source for the wire format: Slack's "Using Socket Mode" and the `apps.connections.open` method docs.
 *
 * Token check and the fake's own auth: `FakeSlack.onMethod` handlers run after the fake's bot-token check and get
 * the parsed body only. So the app token is read from the request's Authorization header by a `request` listener
 * placed before the fake's own (see `captureAuthorization`), and a fake started with `startFakeSlack({ token })`
 * refuses `apps.connections.open` with `invalid_auth` before this handler runs (it compares every call to the bot
 * token). Start the fake without `token` for Socket Mode tests.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { FakeSlack } from './fake-slack.js';

/** The default app-level token the fake accepts. */
export const FAKE_APP_TOKEN = 'xapp-1-A0FAKEAPP-1111-fakeappleveltoken';

/** Options of {@link attachFakeSocketMode}. */
export interface FakeSocketModeOptions {
  /** The app-level token `apps.connections.open` accepts (default {@link FAKE_APP_TOKEN}). */
  appToken?: string;
  /** `app_id` in the URL and in hello (default `A0FAKEAPP`). */
  appId?: string;
}

/** What became of one envelope sent with `sendInteractive`. */
export interface FakeSocketModeDelivery {
  /** The envelope's id (a UUID, as Slack's). */
  envelopeId: string;
  /** False when no connection was open to send it on (then `acked` is false too). */
  delivered: boolean;
  /** True when the client answered with this `envelope_id` before the timeout. */
  acked: boolean;
  /** The acknowledgement as the client sent it (`{envelope_id, payload?}`), or null. */
  ack: Record<string, unknown> | null;
}

/** A fake Socket Mode endpoint; see {@link attachFakeSocketMode}. */
export interface FakeSocketMode {
  /** The app-level token `apps.connections.open` accepts. */
  readonly appToken: string;
  /** Connections open now (hello sent, not closed). */
  readonly connections: number;
  /** Connections accepted since attaching (reconnects count again). */
  readonly connectionsOpened: number;
  /** Every JSON message clients sent (acknowledgements), oldest first. */
  readonly received: Array<Record<string, unknown>>;
  /** When false, new connections get no hello (to test a client that waits for it). Default true. */
  sendHello: boolean;
  /**
   * Sends `{envelope_id, type: 'interactive', accepts_response_payload, payload}` on the newest open connection
   * and resolves when the client acknowledges that `envelope_id`, or after `timeoutMs` (default 3,000: Slack's
   * window for an acknowledgement) with `acked: false`. Resolves at once with `delivered: false` when no
   * connection is open.
   */
  sendInteractive(
    payload: Record<string, unknown>,
    opts?: { timeoutMs?: number; acceptsResponsePayload?: boolean },
  ): Promise<FakeSocketModeDelivery>;
  /**
   * As `sendInteractive`, for any envelope `type` (`events_api`, `slash_commands`, …); `extra` fields (e.g.
   * `retry_attempt`) are added to the envelope.
   */
  sendEnvelope(
    type: string,
    payload: unknown,
    opts?: { timeoutMs?: number; acceptsResponsePayload?: boolean; extra?: Record<string, unknown> },
  ): Promise<FakeSocketModeDelivery>;
  /**
   * Sends Slack's `{type: 'disconnect', reason, debug_info}` (reason default `refresh_requested`) on every open
   * connection, then closes (code 1000) those the client has not closed within `graceMs` (default 1,000), as
   * Slack retires a link. Resolves when all of them are closed.
   */
  disconnectAll(reason?: string, opts?: { graceMs?: number }): Promise<void>;
  /** Destroys every connection's TCP socket without a close frame (a network drop). */
  dropAll(): void;
  /** Polls (every 10 ms) until `predicate(this)` is true; rejects after `timeoutMs` (default 5,000). */
  waitFor(predicate: (fake: FakeSocketMode) => boolean, timeoutMs?: number): Promise<void>;
  /** Closes every connection and stops serving; `apps.connections.open` then answers `ok: false`. */
  close(): Promise<void>;
}

/**
 * Adds Socket Mode to a running fake Slack.
 * @param fake a fake started WITHOUT `token` (see the module doc for why).
 */
export async function attachFakeSocketMode(fake: FakeSlack, opts: FakeSocketModeOptions = {}): Promise<FakeSocketMode> {
  const appToken = opts.appToken ?? FAKE_APP_TOKEN;
  const appId = opts.appId ?? 'A0FAKEAPP';
  const origin = new URL(fake.baseUrl);
  const tickets = new Set<string>();
  const sockets = new Set<WebSocket>();
  const received: Array<Record<string, unknown>> = [];
  const waiting = new Map<string, (ack: Record<string, unknown>) => void>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  let opened = 0;
  let closed = false;
  let lastAuthorization: string | undefined;

  // The Authorization header of the apps.connections.open request being answered. This listener runs before the
  // fake's own, so its `end` listener runs first too, synchronously followed by the fake's, which calls the
  // onMethod handler below: the header read there is the one of the same request.
  const captureAuthorization = (req: IncomingMessage): void => {
    if (!(req.url ?? '').startsWith('/api/apps.connections.open')) return;
    const header = req.headers.authorization;
    req.once('end', () => {
      lastAuthorization = header;
    });
  };
  fake.server.prependListener('request', captureAuthorization);

  fake.onMethod('apps.connections.open', () => {
    const header = lastAuthorization;
    lastAuthorization = undefined;
    if (closed) return { ok: false, error: 'service_unavailable' };
    // Slack wants the app token in the header; a token form field is refused.
    if (header === undefined || header === '') return { ok: false, error: 'not_authed' };
    if (header !== `Bearer ${appToken}`) return { ok: false, error: 'invalid_auth' };
    const ticket = randomUUID();
    tickets.add(ticket);
    return { ok: true, url: `ws://${origin.host}/link/?ticket=${ticket}&app_id=${appId}` };
  });

  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', fake.baseUrl);
    if (url.pathname !== '/link/' && url.pathname !== '/link') return refuse(socket, '404 Not Found');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (closed || !tickets.delete(ticket)) return refuse(socket, '401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  };
  fake.server.on('upgrade', onUpgrade);

  function accept(ws: WebSocket): void {
    sockets.add(ws);
    opened += 1;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: unknown;
      try {
        msg = JSON.parse(String(data));
      } catch {
        return;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return;
      const record = msg as Record<string, unknown>;
      received.push(record);
      const id = record.envelope_id;
      if (typeof id === 'string') waiting.get(id)?.(record);
    });
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => sockets.delete(ws));
    if (api.sendHello) {
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.size,
          connection_info: { app_id: appId },
          debug_info: { host: 'fake-applink-1', build_number: 1, approximate_connection_time: 18060 },
        }),
      );
    }
  }

  const openSockets = (): WebSocket[] => [...sockets].filter((s) => s.readyState === WebSocket.OPEN);

  const api: FakeSocketMode = {
    appToken,
    get connections() {
      return openSockets().length;
    },
    get connectionsOpened() {
      return opened;
    },
    received,
    sendHello: true,
    sendInteractive(payload, o = {}) {
      return api.sendEnvelope('interactive', payload, o);
    },
    sendEnvelope(type, payload, o = {}) {
      const envelopeId = randomUUID();
      const target = openSockets().at(-1);
      if (!target) return Promise.resolve({ envelopeId, delivered: false, acked: false, ack: null });
      return new Promise<FakeSocketModeDelivery>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(envelopeId);
          resolve({ envelopeId, delivered: true, acked: false, ack: null });
        }, o.timeoutMs ?? 3000);
        waiting.set(envelopeId, (ack) => {
          clearTimeout(timer);
          waiting.delete(envelopeId);
          resolve({ envelopeId, delivered: true, acked: true, ack });
        });
        target.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            accepts_response_payload: o.acceptsResponsePayload ?? false,
            payload,
            ...o.extra,
          }),
        );
      });
    },
    async disconnectAll(reason = 'refresh_requested', o = {}) {
      const targets = openSockets();
      await Promise.all(
        targets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              const timer = setTimeout(() => ws.close(1000, 'link retired'), o.graceMs ?? 1000);
              ws.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-applink-1' } }));
            }),
        ),
      );
    },
    dropAll() {
      for (const ws of sockets) ws.terminate();
    },
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(api)) {
        if (Date.now() > deadline) {
          throw new Error(
            `fake Socket Mode: condition not met within ${timeoutMs} ms (connections open: ${api.connections}, opened: ${opened})`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      fake.server.off('request', captureAuthorization);
      fake.server.off('upgrade', onUpgrade);
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  return api;
}
