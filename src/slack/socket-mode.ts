/**
 * Slack Socket Mode as a second way in for button clicks, next to the HTTP callback: the service opens a WebSocket
 * to Slack with the app-level token, and Slack sends interaction payloads over it instead of POSTing them to a
 * public URL. Both transports end in the same interaction handler (`onInteraction`, in practice the interaction
 * processor's `record`), the way Bolt's HTTPReceiver and SocketModeReceiver feed one app.
 *
 * The wire protocol (Slack: "Using Socket Mode", `apps.connections.open`):
 * - `POST <baseUrl>/api/apps.connections.open` with `Authorization: Bearer xapp-…` answers `{ok: true, url}`, a
 *   short-lived `wss://` URL; Slack greets a new connection with `{type: 'hello', num_connections, …}`.
 * - Each delivery is an envelope `{envelope_id, type, payload, accepts_response_payload}`; for button clicks
 *   `type` is `interactive` and `payload` is the same JSON the HTTP callback carries in its `payload` field. The app
 *   acknowledges by sending `{envelope_id}` back (with an optional `payload`), within 3 seconds.
 * - Slack retires connections regularly: it sends `{type: 'disconnect', reason: 'warning' | 'refresh_requested' |
 *   'link_disabled'}` and closes the socket; the app opens a new one.
 *
 * The official `@slack/socket-mode` SocketModeClient does the protocol: `apps.connections.open`, the WebSocket,
 * hello, ping/pong health checks, `disconnect` messages, envelope parsing and acknowledgements. Reconnecting is
 * done here, with the client's own auto-reconnect off: in @slack/socket-mode 2.0.7 a reconnect whose
 * `apps.connections.open` fails (token revoked, network down) rejects a promise nobody handles, which ends a
 * Node 20 process, and its first retry waits a fixed 5 s. Here every closed connection after a good one is
 * reopened at once, failed attempts are retried with exponential backoff (honouring Slack's `Retry-After`), and no
 * failure escapes.
 *
 * Acknowledgement rule: an `interactive` envelope is acknowledged only after `onInteraction` resolved, i.e. after
 * the click was recorded durably — as the HTTP route answers 200 only after `record`. When `onInteraction` throws,
 * the envelope is NOT acknowledged. Slack's documented behaviour for an interaction that gets no acknowledgement
 * within 3 seconds is to show the clicker an error, as for an HTTP callback that fails (the route's 500); Slack
 * redelivers unacknowledged Events API envelopes (`retry_attempt`), and should it ever redeliver a click, that
 * reaches `onInteraction` again, where the judgment's first-decision-wins rule makes a repeat harmless. Either way
 * the person learns the click did not count and can click again; acknowledging anyway would tell Slack, and so
 * the person, that a click nobody recorded was received. `onInteraction` should therefore return normally for
 * payloads it decides to ignore (not a judgment button, malformed), and throw only when recording failed.
 * Envelopes of other types (Events API, slash commands; the SlackOps manifest subscribes to none) are
 * acknowledged and dropped.
 *
 * Nothing here logs the app token or a payload (payloads carry `response_url`, a capability URL).
 */
import { libraryLogger, safeJson, scrubSecrets } from './library-logger.js';
import { LogLevel, SocketModeClient, type Logger as SlackLogger } from '@slack/socket-mode';
import { SlackApiError, toSlackApiError } from './client.js';

/** The logger shape accepted: pino's methods (object first, message second). */
export interface SocketModeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link startSocketMode}. */
export interface StartSocketModeOptions {
  /** App-level token (`xapp-…`, scope `connections:write`), sent as `Authorization: Bearer` to apps.connections.open. */
  appToken: string;
  /** Slack's origin, e.g. `https://slack.com` (a fake in tests); `apps.connections.open` is called at `${baseUrl}/api/`. */
  baseUrl: string;
  /**
   * Called with each `interactive` envelope's payload (the object Slack would POST as `payload=` to the HTTP
   * callback). The envelope is acknowledged after it resolves; when it rejects, it is not acknowledged (see the
   * module doc). Calls may overlap.
   */
  onInteraction: (payload: Record<string, unknown>) => Promise<void>;
  /** pino-compatible logger; none → silent. The library's own logging goes here too (warnings and errors only). */
  logger?: SocketModeLogger | undefined;
  /**
   * Backoff between failed connection attempts, ms: `initial` (default 1,000) doubling up to `max` (default
   * 60,000; `apps.connections.open` is in Slack's Tier 1, about one call a minute), ±20 % jitter. A connection that
   * closes after a good one is reopened at once.
   */
  reconnectBackoffMs?: { initial?: number; max?: number } | undefined;
  /**
   * How long the WebSocket may take to open and receive `hello`, ms (default 30,000); then the attempt counts as
   * failed. apps.connections.open itself times out after 10,000 ms.
   */
  connectTimeoutMs?: number | undefined;
}

/** A running Socket Mode connection, kept open (reopened as needed) until `stop()`. */
export interface SocketModeTransport {
  /**
   * Stops: new envelopes are no longer taken, envelopes being handled are finished and acknowledged (up to 5 s),
   * the WebSocket is closed and no reconnect follows. Idempotent; never rejects. May take up to ~10 s when an
   * apps.connections.open call is in flight.
   */
  stop(): Promise<void>;
  /** True while a WebSocket is open and Slack has said hello on it. */
  readonly connected: boolean;
}

/**
 * Why a connection attempt failed; what `startSocketMode` rejects with.
 *
 * `code`: Slack's error from apps.connections.open (`invalid_auth`, `not_authed`, `account_inactive`,
 * `token_revoked`, …), `ratelimited`, `http_<status>`, `request_error` (network, timeout), `invalid_response`
 * (no `url` in the answer), `closed_before_hello` (the WebSocket closed or could not open before Slack's hello),
 * `connect_timeout` (no hello within `connectTimeoutMs`), or `stopped`. The message never contains the token.
 */
export class SocketModeError extends Error {
  readonly code: string;
  /** False for Slack's answers that a retry cannot change (the token is refused). */
  readonly retryable: boolean;
  /** Slack's `Retry-After` in ms when rate limited; else null. */
  readonly retryAfterMs: number | null;

  constructor(code: string, message: string, retryable: boolean, retryAfterMs: number | null = null) {
    super(message);
    this.name = 'SocketModeError';
    this.code = code;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Slack errors of apps.connections.open that mean the app-level token itself is refused. */
const TOKEN_REFUSED = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired', 'user_removed_from_team', 'team_disabled', 'not_allowed_token_type', 'missing_scope']);

const DEFAULT_BACKOFF_INITIAL_MS = 1_000;
const DEFAULT_BACKOFF_MAX_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
const OPEN_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

/**
 * Opens a Socket Mode connection and keeps it open until `stop()`.
 *
 * Resolves once the first connection is up (Slack said hello). Rejects with {@link SocketModeError} when that first
 * attempt fails for any reason — a refused app token, an unreachable Slack, no hello — so that a service with a
 * wrong token or no route to Slack fails at start, as it does for a database it cannot open; nothing is left
 * running then. After the first connection, every failure is retried (see `reconnectBackoffMs`) and logged, and
 * nothing is thrown.
 */
export async function startSocketMode(opts: StartSocketModeOptions): Promise<SocketModeTransport> {
  const connection = new SocketModeConnection(opts);
  await connection.start();
  return connection;
}

type State = 'idle' | 'connecting' | 'connected' | 'waiting' | 'stopped';

/** One envelope as @slack/socket-mode's `slack_event` hands it over. */
interface SlackEventArgs {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id?: unknown;
  type?: unknown;
  body?: unknown;
  retry_num?: unknown;
}

class SocketModeConnection implements SocketModeTransport {
  private readonly client: SocketModeClient;
  private readonly log: SocketModeLogger | undefined;
  private readonly token: string;
  private readonly onInteraction: StartSocketModeOptions['onInteraction'];
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private readonly connectTimeoutMs: number;
  private state: State = 'idle';
  /** Consecutive failed attempts since the last good connection. */
  private failures = 0;
  private attempt: Promise<void> | null = null;
  private abortAttempt: (() => void) | null = null;
  private wake: (() => void) | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping: Promise<void> | null = null;

  constructor(opts: StartSocketModeOptions) {
    this.log = opts.logger;
    this.token = opts.appToken;
    this.onInteraction = opts.onInteraction;
    this.backoffInitialMs = Math.max(0, opts.reconnectBackoffMs?.initial ?? DEFAULT_BACKOFF_INITIAL_MS);
    this.backoffMaxMs = Math.max(this.backoffInitialMs, opts.reconnectBackoffMs?.max ?? DEFAULT_BACKOFF_MAX_MS);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.client = new SocketModeClient({
      appToken: opts.appToken,
      autoReconnectEnabled: false,
      logger: libraryLogger(opts.logger, opts.appToken, 'slack-socket-mode-lib', 300, LogLevel.INFO),
      clientOptions: {
        slackApiUrl: `${opts.baseUrl.replace(/\/+$/, '')}/api/`,
        // One HTTP request per attempt; the backoff below decides when to try again.
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: OPEN_TIMEOUT_MS,
        allowAbsoluteUrls: false,
      },
    });
    // `connected` is emitted on Slack's hello; `disconnected` whenever the socket is gone (auto-reconnect is off).
    this.client.on('connected', () => {
      if (this.state === 'connecting') this.state = 'connected';
    });
    this.client.on('disconnected', () => this.onClosed());
    this.client.on('slack_event', (args: SlackEventArgs) => this.onEnvelope(args));
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** A method, so that TypeScript does not narrow `state` across awaits. */
  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  /** First connection: any failure is thrown (after cleaning up). */
  async start(): Promise<void> {
    try {
      await this.connectOnce();
      this.log?.info({ component: 'slack-socket-mode' }, 'Slack Socket Mode connected');
    } catch (err) {
      this.state = 'stopped';
      await this.disconnectClient();
      throw err;
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.state = 'stopped';
    this.wake?.();
    this.abortAttempt?.();
    if (this.attempt) await this.attempt.catch(() => undefined);
    if (this.inFlight.size > 0) await withTimeout(Promise.allSettled([...this.inFlight]), STOP_GRACE_MS);
    await this.disconnectClient();
    this.log?.info({ component: 'slack-socket-mode' }, 'Slack Socket Mode stopped');
  }

  private async disconnectClient(): Promise<void> {
    try {
      await withTimeout(this.client.disconnect(), STOP_GRACE_MS);
    } catch {
      // disconnect() only resolves; nothing to do
    }
  }

  /** The socket closed (Slack's `disconnect`, a dropped connection, a failed health check): open a new one. */
  private onClosed(): void {
    if (this.state !== 'connected') return; // an attempt in progress handles its own failure; stop() needs nothing
    this.state = 'waiting';
    this.log?.info({ component: 'slack-socket-mode' }, 'Slack Socket Mode connection closed; reconnecting');
    void this.reconnect();
  }

  /** Tries until connected or stopped; never throws. The first try is immediate. */
  private async reconnect(): Promise<void> {
    while (!this.isStopped()) {
      try {
        await this.connectOnce();
        if (this.isStopped()) return;
        this.log?.info({ component: 'slack-socket-mode', failedAttempts: this.failures }, 'Slack Socket Mode reconnected');
        this.failures = 0;
        return;
      } catch (err) {
        if (this.isStopped()) return;
        this.failures += 1;
        const e = err instanceof SocketModeError ? err : new SocketModeError('unknown', 'connection attempt failed', true);
        const delay = Math.max(this.backoff(this.failures), e.retryAfterMs ?? 0);
        const fields = { component: 'slack-socket-mode', code: e.code, attempt: this.failures, retryInMs: delay };
        if (e.retryable) this.log?.warn(fields, `Slack Socket Mode connection failed (${e.message}); retrying`);
        else this.log?.error(fields, `Slack Socket Mode connection refused (${e.message}); retrying, but this needs a valid app-level token`);
        this.state = 'waiting';
        await this.sleep(delay);
      }
    }
  }

  /** One attempt: apps.connections.open, the WebSocket, Slack's hello. */
  private connectOnce(): Promise<void> {
    const run = async (): Promise<void> => {
      this.state = 'connecting';
      const before = this.client.websocket;
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      // Cut the attempt's WebSocket, once it exists, so that start() settles (the library then emits disconnected).
      const cut = (): void => {
        const ws = this.client.websocket;
        if (ws !== undefined && ws !== before) ws.disconnect();
        else timer = setTimeout(cut, 200); // still in apps.connections.open (bounded by its own timeout)
      };
      this.abortAttempt = cut;
      timer = setTimeout(() => {
        timedOut = true;
        cut();
      }, this.connectTimeoutMs);
      try {
        await this.client.start();
      } catch (err) {
        if (this.isStopped()) throw new SocketModeError('stopped', 'stopped while connecting', false);
        if (timedOut) {
          throw new SocketModeError('connect_timeout', `no hello from Slack within ${this.connectTimeoutMs} ms`, true);
        }
        throw this.describe(err);
      } finally {
        clearTimeout(timer);
        this.abortAttempt = null;
      }
      if (this.state === 'connecting') this.state = 'connected';
    };
    const attempt = run();
    this.attempt = attempt;
    return attempt.finally(() => {
      if (this.attempt === attempt) this.attempt = null;
    });
  }

  private describe(err: unknown): SocketModeError {
    // The library rejects start() with nothing when the socket closed before hello.
    if (err === undefined || err === null) {
      return new SocketModeError('closed_before_hello', 'the WebSocket closed or could not open before Slack said hello', true);
    }
    const mapped: SlackApiError = toSlackApiError('apps.connections.open', err, this.token);
    if (/did not return a URL/.test(mapped.message)) {
      return new SocketModeError('invalid_response', 'apps.connections.open answered without a url', true);
    }
    const refused = TOKEN_REFUSED.has(mapped.code);
    const hint = refused ? '; check slack.appToken (an xapp- token with the connections:write scope)' : '';
    return new SocketModeError(mapped.code, `${scrubSecrets(mapped.message, this.token)}${hint}`, !refused, mapped.retryAfterMs);
  }

  private backoff(failures: number): number {
    const base = Math.min(this.backoffMaxMs, this.backoffInitialMs * 2 ** Math.min(failures - 1, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Waits `ms`, or less when stop() wakes it. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Every envelope with an id: `interactive` ones go to onInteraction; the others are acknowledged and dropped. */
  private onEnvelope(args: SlackEventArgs): void {
    const envelopeId = typeof args.envelope_id === 'string' ? args.envelope_id : null;
    if (envelopeId === null) return;
    if (this.isStopped()) return; // not taken: Slack shows an error, as for a service that is down
    const type = typeof args.type === 'string' ? args.type : 'unknown';
    const task = this.handle(args, envelopeId, type);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async handle(args: SlackEventArgs, envelopeId: string, type: string): Promise<void> {
    const fields = { component: 'slack-socket-mode', envelopeId, type };
    if (type === 'interactive') {
      const payload = args.body;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        this.log?.warn(fields, 'Socket Mode envelope without a payload object; acknowledged and ignored');
      } else {
        const payloadType = typeof (payload as Record<string, unknown>).type === 'string' ? (payload as Record<string, unknown>).type : null;
        this.log?.debug({ ...fields, payloadType }, 'Socket Mode interaction received');
        try {
          await this.onInteraction(payload as Record<string, unknown>);
        } catch (err) {
          this.log?.warn(
            { ...fields, payloadType, error: scrubSecrets(errorMessage(err), this.token) },
            'interaction not recorded; not acknowledged, so Slack shows the user an error',
          );
          return;
        }
      }
    } else {
      this.log?.debug({ ...fields, retryNum: typeof args.retry_num === 'number' ? args.retry_num : null }, 'Socket Mode envelope of a type SlackOps does not use; acknowledged');
    }
    try {
      await args.ack();
    } catch (err) {
      // The socket closed in between (a refresh): Slack did not get the acknowledgement.
      this.log?.warn({ ...fields, error: scrubSecrets(errorMessage(err), this.token) }, 'could not acknowledge a Socket Mode envelope');
    }
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
