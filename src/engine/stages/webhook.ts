/**
 * `webhook`: calls the user's HTTP endpoint, and with `waitForCompletion` polls a status URL until it reports an
 * end, as orca's WebhookStage (orca-webhook: CreateWebhookTask → WebhookResponseProcessor and
 * WebhookStatusCheckUrlRetriever, then MonitorWebhookTask). The I/O runs in `execute`, outside any transaction.
 *
 * The call: `url` (http/https), `method` (default POST), `payload` (sent as JSON; `${...}` already evaluated by
 * StartStage), `customHeaders`. Outcomes, as orca:
 * - 2xx/3xx → SUCCEEDED, or with `waitForCompletion` the status URL is resolved (`statusUrlResolution`:
 *   `getMethod` = the same `url`, `locationHeader` = the answer's Location, `webhookResponse` =
 *   `statusUrlJsonPath` in the answer's body), stored as `webhook.statusEndpoint`, and polled;
 * - a code in `failFastStatusCodes` → TERMINAL at once;
 * - 5xx, 429 (orca's `webhook.default-retry-status-codes`), a code in `retryStatusCodes`, a connection error, or a
 *   timeout of an idempotent method → retried with backoff (1 s, 2 s, 4 s … 30 s), TERMINAL after
 *   {@link MAX_RETRIES} retries; a timed-out POST/PATCH is not repeated (it may have been acted on — orca retries
 *   socket timeouts only for GET);
 * - any other code → TERMINAL.
 *
 * Polling (MonitorWebhookTask): GET the status URL every `monitorIntervalMs` (extension, default 5 s) after
 * `waitBeforeMonitor` seconds; `statusJsonPath` picks the status; a number is a percentage (100 → SUCCEEDED);
 * a string is matched, case-insensitively, against `successStatuses` / `canceledStatuses` / `terminalStatuses`
 * (comma-separated); anything else keeps polling. Outputs go under `webhook` (`statusCode` as Spring's name,
 * `statusCodeValue`, `body`, `statusEndpoint`, `monitor: {statusCode, statusCodeValue, body, progressMessage,
 * percentComplete}`, `error`).
 *
 * Crash safety: the stage context records what was done (`webhook.statusEndpoint` once the call answered, the
 * retry count in `webhookRetries`), so a re-run polls instead of calling again. The call itself is at least once:
 * a crash between the answer and its commit repeats it. Cancel: the engine discards an answer once the stage is no
 * longer RUNNING, and nothing more is called.
 *
 * `canceledStatuses` end the stage CANCELED (orca), with `webhook.monitor.canceled: true`. Differences from orca: response headers are not stored (they may carry cookies or tokens); the
 * cancel endpoint (`cancelEndpoint`) and `expectedArtifacts` are not supported.
 */
import type { StageRunContext, StageType, TaskResult } from './types.js';
import { readWebhookConfig, webhookSchema, urlProblem, type WebhookConfig } from './webhook/config.js';
import { exchange, HttpFailure, safeUrl, scrub, splitCredentials, statusName, type HttpAnswer } from './webhook/http.js';
import { readJsonPath } from './webhook/json-path.js';
import type { NetworkGuard } from './webhook/guard.js';

/** Most response body read, in bytes (1 MiB); a larger answer fails the stage. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Retries of one call (or one poll) before the stage fails. */
export const MAX_RETRIES = 8;
/** Backoff before retry `n` (0-based): 1 s doubling, at most 30 s. */
export function retryDelayMs(n: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(n, 15));
}

/** Methods that may be repeated after a timeout (RFC 9110 idempotent methods). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
/** Methods sent without a body. */
const NO_BODY = new Set(['GET', 'HEAD']);
/** Characters of a response body quoted in an error. */
const EXCERPT = 200;

type WebhookOutput = Record<string, unknown>;

interface Call {
  cfg: WebhookConfig;
  ctx: StageRunContext & { signal: AbortSignal; network?: NetworkGuard };
  /** Values that must never appear in messages or stored bodies. */
  secrets: string[];
  /** The `webhook` object already in the context. */
  prev: WebhookOutput;
}

/** The `webhook` stage type (orca's WebhookStage: CreateWebhookTask, then MonitorWebhookTask when waiting). */
export const webhookStage: StageType = {
  type: 'webhook',
  schema: webhookSchema,
  taskName: 'createWebhook',
  start() {
    return {};
  },
  run({ now }) {
    // the work happens in `execute`; reaching here means the engine ran the task without it: try again shortly
    return { status: 'RUNNING', retryAt: now + 1000 };
  },
  async execute(ctx) {
    const prev = asObject(ctx.stage.context.webhook);
    const read = readWebhookConfig(ctx.stage.context);
    if (!read.ok) return fail({ secrets: [] }, `webhook stage misconfigured after evaluating expressions: ${read.problems.join('; ')}`, {});
    const cfg = read.config;
    const call: Call = { cfg, ctx, prev, secrets: secretsOf(cfg) };
    if (cfg.waitForCompletion && typeof prev.statusEndpoint === 'string') return monitor(call, prev.statusEndpoint);
    return create(call);
  },
};

/** CreateWebhookTask: makes the call and decides from the answer. */
async function create(call: Call): Promise<TaskResult> {
  const { cfg, ctx } = call;
  const headers = { ...cfg.headers };
  let body: string | undefined;
  if (cfg.payload !== undefined && cfg.payload !== null && !NO_BODY.has(cfg.method)) {
    body = typeof cfg.payload === 'string' ? cfg.payload : JSON.stringify(cfg.payload);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  const target = `${cfg.method} ${safeUrl(cfg.url)}`;
  let answer: HttpAnswer;
  try {
    answer = await exchange({ method: cfg.method, url: cfg.url, headers, body, timeoutMs: cfg.requestTimeoutMs, maxBodyBytes: MAX_BODY_BYTES, signal: ctx.signal, guard: ctx.network });
  } catch (err) {
    if (!(err instanceof HttpFailure)) throw err;
    if (err.kind === 'connection' || (err.kind === 'timeout' && IDEMPOTENT.has(cfg.method))) return retry(call, err.message, {});
    const why = err.kind === 'timeout' ? `; not retried, as a ${cfg.method} may have been acted on` : '';
    return fail(call, err.message + why, {});
  }
  const s = answer.status;
  const out: WebhookOutput = { statusCode: statusName(s), statusCodeValue: s };
  if (answer.body !== undefined) out.body = scrubValue(answer.body, call.secrets);
  if (s >= 200 && s < 400) {
    if (!cfg.waitForCompletion) return { status: 'SUCCEEDED', context: { webhook: out, webhookRetries: 0 }, outputs: { webhook: out } };
    const resolved = statusEndpoint(cfg, answer);
    if ('error' in resolved) return fail(call, `${target} answered ${s}, but ${resolved.error}`, out);
    const endpoint = resolved.url;
    const webhook = { ...out, statusEndpoint: endpoint };
    return { status: 'RUNNING', retryAt: ctx.now + cfg.waitBeforeMonitorMs, context: { webhook, webhookRetries: 0 } };
  }
  const answered = `${target} answered ${s}${excerpt(answer, call.secrets)}`;
  if (cfg.failFastStatusCodes.has(s)) return fail(call, `${target} answered ${s}, which is in failFastStatusCodes${excerpt(answer, call.secrets)}`, out);
  if (s >= 500 || s === 429 || cfg.retryStatusCodes.has(s)) return retry(call, answered, out);
  return fail(call, answered, out);
}

/** WebhookStatusCheckUrlRetriever: where to poll, per `statusUrlResolution`. */
function statusEndpoint(cfg: WebhookConfig, answer: HttpAnswer): { url: string } | { error: string } {
  let raw: string;
  if (cfg.statusUrlResolution === 'getMethod') raw = cfg.url;
  else if (cfg.statusUrlResolution === 'locationHeader') {
    const loc = answer.headers.get('location');
    if (!loc) return { error: 'statusUrlResolution is locationHeader and the answer has no Location header' };
    raw = loc;
  } else {
    const path = cfg.statusUrlJsonPath ?? '';
    const r = readJsonPath(answer.body, path);
    if (!r.found || typeof r.value !== 'string' || r.value.trim() === '') {
      return { error: `statusUrlJsonPath ${path} found no status URL (a string) in the answer's body` };
    }
    raw = r.value;
  }
  let url: string;
  try {
    // stored and shown without `user:password@`; polling the same origin adds them back (see `monitor`)
    url = splitCredentials(new URL(raw.trim(), cfg.url).toString()).url;
  } catch {
    return { error: `the status URL ${JSON.stringify(raw.slice(0, 200))} is not a URL` };
  }
  const p = urlProblem(url);
  return p ? { error: `the status URL ${safeUrl(url)} is refused: ${p}` } : { url };
}

/** MonitorWebhookTask: one poll of the status URL. */
async function monitor(call: Call, endpoint: string): Promise<TaskResult> {
  const { cfg, ctx, prev } = call;
  const target = `GET ${safeUrl(endpoint)}`;
  const headers = { ...cfg.headers };
  const own = splitCredentials(cfg.url);
  if (own.authorization && sameOrigin(own.url, endpoint) && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
    headers.Authorization = own.authorization;
  }
  let answer: HttpAnswer;
  try {
    answer = await exchange({ method: 'GET', url: endpoint, headers, timeoutMs: cfg.requestTimeoutMs, maxBodyBytes: MAX_BODY_BYTES, signal: ctx.signal, guard: ctx.network });
  } catch (err) {
    if (!(err instanceof HttpFailure)) throw err;
    if (err.kind === 'connection' || err.kind === 'timeout') return retry(call, err.message, prev);
    return failMonitor(call, err.message, {});
  }
  const s = answer.status;
  const mon: WebhookOutput = { statusCode: statusName(s), statusCodeValue: s };
  if (answer.body !== undefined) mon.body = scrubValue(answer.body, call.secrets);
  if (s < 200 || s >= 300) {
    const answered = `${target} answered ${s}${excerpt(answer, call.secrets)}`;
    if (s >= 500 || s === 429 || cfg.retryStatusCodes.has(s)) return retry(call, answered, { ...prev, monitor: mon });
    return failMonitor(call, answered, mon);
  }
  const path = cfg.statusJsonPath ?? '$.status';
  const r = readJsonPath(answer.body, path);
  if (!r.found) return failMonitor(call, `${target}: JSON property '${path}' (statusJsonPath) not found in the answer's body`, mon);
  const status = r.value;
  if (typeof status !== 'string' && typeof status !== 'number' && typeof status !== 'boolean') {
    return failMonitor(call, `${target}: statusJsonPath '${path}' did not resolve to a single value`, mon);
  }
  if (cfg.progressJsonPath) {
    const p = readJsonPath(answer.body, cfg.progressJsonPath);
    if (p.found && typeof p.value === 'string' && p.value !== '') mon.progressMessage = scrub(p.value, call.secrets);
  }
  const base = { ...prev };
  delete base.error;
  if (typeof status === 'number') {
    mon.percentComplete = status;
    const webhook = { ...base, monitor: mon };
    if (status === 100) return { status: 'SUCCEEDED', context: { webhook, webhookRetries: 0 }, outputs: { webhook } };
    return { status: 'RUNNING', retryAt: ctx.now + cfg.monitorIntervalMs, context: { webhook, webhookRetries: 0 } };
  }
  const value = String(status);
  const outcome = cfg.statusMap.get(value.toUpperCase());
  const shown = JSON.stringify(value.slice(0, 100));
  if (outcome === 'SUCCEEDED') {
    const webhook = { ...base, monitor: mon };
    return { status: 'SUCCEEDED', context: { webhook, webhookRetries: 0 }, outputs: { webhook } };
  }
  if (outcome === 'TERMINAL') return failMonitor(call, `${target} reported status ${shown}, which is in terminalStatuses`, mon);
  if (outcome === 'CANCELED') {
    const r = failMonitor(call, `${target} reported status ${shown}, which is in canceledStatuses`, { ...mon, canceled: true });
    return r.status === 'TERMINAL' ? { ...r, status: 'CANCELED' } : r; // orca: canceledStatuses end the stage CANCELED
  }
  return { status: 'RUNNING', retryAt: ctx.now + cfg.monitorIntervalMs, context: { webhook: { ...base, monitor: mon }, webhookRetries: 0 } };
}

/** RUNNING again after a backoff, or TERMINAL once the retries are used up. */
function retry(call: Call, message: string, webhook: WebhookOutput): TaskResult {
  const n = retriesSoFar(call.ctx.stage.context);
  const msg = scrub(message, call.secrets);
  if (n >= MAX_RETRIES) return finish(`${msg}; gave up after ${n} retries`, webhook);
  return {
    status: 'RUNNING',
    retryAt: call.ctx.now + retryDelayMs(n),
    context: { webhook: { ...webhook, error: `${msg}; will retry (${n + 1} of ${MAX_RETRIES})` }, webhookRetries: n + 1 },
  };
}

/** TERMINAL from the call. */
function fail(call: Pick<Call, 'secrets'>, message: string, webhook: WebhookOutput): TaskResult {
  return finish(scrub(message, call.secrets), webhook);
}

/** TERMINAL from a poll: the first answer is kept, the poll's under `monitor` with its error. */
function failMonitor(call: Call, message: string, mon: WebhookOutput): TaskResult {
  const msg = scrub(message, call.secrets);
  const webhook = { ...call.prev, monitor: { ...mon, error: msg } };
  delete (webhook as WebhookOutput).error;
  return finish(msg, webhook);
}

/** TERMINAL with `message` as `webhook.error` and as the stage's exception. */
function finish(message: string, webhook: WebhookOutput): TaskResult {
  const out = { ...webhook, error: message };
  return {
    status: 'TERMINAL',
    context: { webhook: out, exception: { details: { error: message } } },
    outputs: { webhook: out },
  };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function retriesSoFar(context: Record<string, unknown>): number {
  const n = context.webhookRetries;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
}

function asObject(v: unknown): WebhookOutput {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...(v as WebhookOutput) } : {};
}

/** `: <first 200 characters of the body>` (secrets removed), or nothing for an empty body. */
function excerpt(answer: HttpAnswer, secrets: string[]): string {
  const text = answer.text.replace(/\s+/g, ' ').trim();
  if (text === '') return '';
  const cut = scrub(text, secrets);
  return `: ${cut.length > EXCERPT ? `${cut.slice(0, EXCERPT)}…` : cut}`;
}

/** Header values (whole, and each long word of them, e.g. the token after `Bearer`) and URL credentials. */
function secretsOf(cfg: WebhookConfig): string[] {
  const out: string[] = [];
  for (const v of Object.values(cfg.headers)) {
    out.push(v);
    for (const w of v.split(/[\s,;]+/)) if (w.length >= 8) out.push(w);
  }
  try {
    const u = new URL(cfg.url);
    for (const c of [u.username, u.password]) {
      if (c) out.push(c, decodeURIComponent(c));
    }
    const basic = splitCredentials(cfg.url).authorization;
    if (basic) out.push(basic, basic.slice('Basic '.length));
  } catch {
    /* checked elsewhere */
  }
  return out;
}

/** `value` with every string (keys included) scrubbed of `secrets`. */
function scrubValue(value: unknown, secrets: string[]): unknown {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return scrub(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty, not assignment: a "__proto__" key stays data
      Object.defineProperty(out, scrub(k, secrets), { value: scrubValue(v, secrets), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
