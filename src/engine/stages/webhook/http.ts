/**
 * One HTTP exchange for the webhook stage, over Node's `http`/`https` clients: every connection checked by the
 * `NetworkGuard` (IP literals before connecting, names in the socket's DNS lookup), a per-request timeout, a cap on
 * the response body, redirects not followed (orca's WebhookService hands 3xx back to the task, which treats it as
 * an answer), and errors that never carry header values or URL credentials. (Node's `fetch` offers no hook into
 * its DNS lookup without the undici package, hence `http.request`.)
 */
import http, { STATUS_CODES, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AddressDeniedError, DENIED_CODE, NetworkGuard } from './guard.js';

/** What came back. `text` is the whole body (at most the cap); `body` is it parsed as JSON when it is JSON. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

/** Why no answer came. `retryable` is true when the request certainly or probably did not reach the server. */
export class HttpFailure extends Error {
  override readonly name = 'HttpFailure';
  constructor(
    message: string,
    readonly kind: 'connection' | 'timeout' | 'too-large' | 'denied' | 'other',
  ) {
    super(message);
  }
}

/** Error codes (node and undici) meaning the connection could not be made or was dropped before an answer. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** One request to make (orca's WebhookService.callWebhook / getStatus, in miniature). */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBodyBytes: number;
  /** The engine's signal (shutdown, lease running out). When it aborts, the raw AbortError is rethrown. */
  signal: AbortSignal;
  /** Where connections may go; default `DEFAULT_NETWORK_POLICY` (link-local and metadata addresses denied). */
  guard?: NetworkGuard;
}

const DEFAULT_GUARD = new NetworkGuard();

/**
 * Sends one request and reads the answer.
 * @throws HttpFailure when no complete answer came (connection error, timeout, body over the cap); rethrows the
 *   engine's abort as is.
 */
export async function exchange(req: HttpRequest): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, timeout]);
  const target = `${req.method} ${safeUrl(req.url)}`;
  const { url, authorization } = splitCredentials(req.url);
  const headers = { ...req.headers };
  if (authorization && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) headers.Authorization = authorization;
  const guard = req.guard ?? DEFAULT_GUARD;
  let u: URL;
  try {
    u = new URL(url);
    guard.checkHost(u.hostname);
  } catch (err) {
    if (err instanceof AddressDeniedError) throw new HttpFailure(`${target} refused: ${err.message}; no connection was made`, 'denied');
    throw new HttpFailure(`${target} failed: not a valid URL`, 'other');
  }
  let res: IncomingMessage;
  try {
    res = await send(u, req, headers, signal, guard);
  } catch (err) {
    throw classify(err, req, timeout, target);
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > req.maxBodyBytes) {
    res.destroy();
    throw tooLarge(target, res.statusCode ?? 0, req.maxBodyBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > req.maxBodyBytes) {
        res.destroy();
        throw tooLarge(target, res.statusCode ?? 0, req.maxBodyBytes);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpFailure) throw err;
    throw classify(err, req, timeout, target);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const answerHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      try {
        answerHeaders.append(name, v);
      } catch {
        // a header value Headers refuses: leave it out
      }
    }
  }
  return { status: res.statusCode ?? 0, headers: answerHeaders, text, body: parseBody(text, answerHeaders.get('content-type')) };
}

/** Sends the request; resolves with the response once its head arrived. */
function send(u: URL, req: HttpRequest, headers: Record<string, string>, signal: AbortSignal, guard: NetworkGuard): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = u.protocol === 'https:' ? https : http;
    const r = client.request(u, { method: req.method, headers, signal, lookup: guard.lookup as never, agent: false });
    r.on('response', resolve);
    r.on('error', reject);
    r.end(req.body);
  });
}

function tooLarge(target: string, status: number, cap: number): HttpFailure {
  return new HttpFailure(`${target} answered ${status} with a body larger than ${formatBytes(cap)}; refusing to read it`, 'too-large');
}

function classify(err: unknown, req: HttpRequest, timeout: AbortSignal, target: string): unknown {
  if (req.signal.aborted) return req.signal.reason ?? err; // the engine is stopping: let it retry the message later
  if (timeout.aborted) return new HttpFailure(`${target} did not answer within ${req.timeoutMs / 1000} s`, 'timeout');
  const code = errorCode(err);
  if (code === DENIED_CODE) return new HttpFailure(`${target} refused: ${(err as Error).message}; no request was sent`, 'denied');
  if (code && CONNECTION_CODES.has(code)) return new HttpFailure(`${target} could not be reached (${code})`, 'connection');
  return new HttpFailure(`${target} failed: ${code ?? describeCause(err)}`, 'other');
}

/**
 * The innermost error's message (fetch wraps the real cause, e.g. "bad port" for ports fetch refuses), short and
 * without the URL's credentials (the message never holds header values).
 */
function describeCause(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object' && (e as { cause?: unknown }).cause; depth++) e = (e as { cause?: unknown }).cause;
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : err instanceof Error ? err.name : 'error';
  return msg.replace(/\/\/[^/@\s]*@/g, '//***@').slice(0, 200);
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * The body as JSON when the content type says JSON or the text starts like a JSON object/array (as orca's
 * WebhookResponseProcessor), else the text; undefined when empty.
 */
export function parseBody(text: string, contentType: string | null): unknown {
  if (text === '') return undefined;
  const trimmed = text.trimStart();
  if ((contentType ?? '').toLowerCase().includes('json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Spring's `HttpStatus` name for a code, as orca's `webhook.statusCode` shows it (`OK`, `SERVICE_UNAVAILABLE`),
 * derived from Node's status texts; the number as a string for codes without a name.
 */
export function statusName(code: number): string {
  const text = STATUS_CODES[code];
  return text ? text.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '') : String(code);
}

/**
 * Moves `user:password@` out of a URL into a Basic `Authorization` header (fetch refuses URLs with credentials).
 * @returns the URL without credentials and the header value, or null when the URL has none.
 */
export function splitCredentials(url: string): { url: string; authorization: string | null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, authorization: null };
  }
  if (!u.username && !u.password) return { url, authorization: null };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}

/** Query parameters whose values are treated as secrets in messages. */
const SECRET_PARAM = /token|key|secret|signature|sig|password|passwd|auth|credential|session|code/i;

/** `url` fit for messages: user and password removed, secret-looking query values replaced by `***`. */
export function safeUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  u.username = '';
  u.password = '';
  for (const k of [...new Set(u.searchParams.keys())]) if (SECRET_PARAM.test(k)) u.searchParams.set(k, '***');
  return u.toString();
}

/**
 * Replaces every occurrence of the given secrets (header values, URL credentials) in `text` with `***`. Values
 * shorter than 4 characters are left alone (they would blot out ordinary words and are not secrets).
 */
export function scrub(text: string, secrets: Iterable<string>): string {
  let out = text;
  const list = [...new Set([...secrets].filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  for (const s of list) out = out.split(s).join('***');
  return out;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
