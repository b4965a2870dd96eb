/**
 * Slack request signing: checks that an HTTP request really came from Slack.
 *
 * The rule is Slack's "Verifying requests from Slack": Slack sends
 * `X-Slack-Request-Timestamp: <epoch seconds>` and
 * `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body)>`.
 * The receiver recomputes the HMAC over the raw, unparsed body, compares in constant time, and refuses
 * timestamps more than five minutes from its own clock (replay protection).
 *
 * Pure: no I/O, no logging. The caller maps {@link SlackSignatureError} to HTTP 401.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's signature version prefix (`v0`), the only one Slack defines. */
const VERSION = 'v0';

/** How far (in seconds) a request timestamp may be from our clock, either way; Slack recommends five minutes. */
export const SLACK_SIGNATURE_MAX_SKEW_SECONDS = 300;

/** Why a request was refused; stable strings meant for logs and metrics. */
export type SlackSignatureFailure =
  | 'missing_signature'
  | 'missing_timestamp'
  | 'invalid_timestamp'
  | 'stale_timestamp'
  | 'bad_signature';

/**
 * A request whose Slack signature could not be verified (map to HTTP 401).
 * The message says what was wrong in words; it never contains the signing secret, the expected signature,
 * or the body.
 */
export class SlackSignatureError extends Error {
  /** Machine-readable cause. */
  readonly reason: SlackSignatureFailure;

  constructor(reason: SlackSignatureFailure, message: string) {
    super(message);
    this.name = 'SlackSignatureError';
    this.reason = reason;
  }
}

/**
 * Computes Slack's request signature.
 *
 * @param signingSecret the app's signing secret (Slack app settings → Basic Information).
 * @param timestamp the `X-Slack-Request-Timestamp` header value exactly as received (epoch seconds, as text).
 * @param rawBody the raw request body, byte for byte as received (a string is taken as UTF-8).
 * @returns `v0=` followed by 64 lowercase hex digits: HMAC-SHA256 keyed with the secret over
 *   `v0:<timestamp>:<body>` (Slack's "Verifying requests from Slack").
 * Throws nothing for any input.
 */
export function computeSlackSignature(signingSecret: string, timestamp: string, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`${VERSION}:${timestamp}:`, 'utf8');
  if (typeof rawBody === 'string') hmac.update(rawBody, 'utf8');
  else hmac.update(rawBody);
  return `${VERSION}=${hmac.digest('hex')}`;
}

/** Constant-time string comparison that also handles a length mismatch without throwing or leaking timing. */
function constantTimeEquals(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    // Spend the same work as a real comparison, then fail.
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

/**
 * Verifies a request from Slack; returns normally when it is genuine and fresh.
 *
 * @param opts.signingSecret the app's signing secret; must be non-empty.
 * @param opts.signature the `X-Slack-Signature` header (`v0=<hex>`), or undefined when absent.
 * @param opts.timestamp the `X-Slack-Request-Timestamp` header (epoch seconds, decimal digits), or undefined.
 * @param opts.rawBody the raw request body as received, before any parsing.
 * @param opts.nowMs our clock in epoch milliseconds (default `Date.now()`); injectable for tests.
 * @throws SlackSignatureError with reason `missing_signature` / `missing_timestamp` (header absent or empty),
 *   `invalid_timestamp` (not a whole number of seconds), `stale_timestamp` (more than 300 s before or after
 *   `nowMs`), `bad_signature` (HMAC mismatch, compared with `crypto.timingSafeEqual`).
 * @throws TypeError when `signingSecret` is empty: an empty key would let anyone forge signatures, so this is a
 *   configuration error, not a refused request.
 * Source: Slack, "Verifying requests from Slack".
 */
export function verifySlackRequest(opts: {
  signingSecret: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: string | Buffer;
  nowMs?: number;
}): void {
  if (typeof opts.signingSecret !== 'string' || opts.signingSecret.length === 0) {
    throw new TypeError('Slack signing secret is not configured (empty); refusing to verify requests');
  }
  const signature = opts.signature?.trim();
  if (!signature) {
    throw new SlackSignatureError('missing_signature', 'X-Slack-Signature header is missing');
  }
  const timestamp = opts.timestamp?.trim();
  if (!timestamp) {
    throw new SlackSignatureError('missing_timestamp', 'X-Slack-Request-Timestamp header is missing');
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new SlackSignatureError(
      'invalid_timestamp',
      'X-Slack-Request-Timestamp is not a whole number of seconds since the epoch',
    );
  }
  const nowSeconds = (opts.nowMs ?? Date.now()) / 1000;
  const skew = nowSeconds - Number(timestamp);
  if (Math.abs(skew) > SLACK_SIGNATURE_MAX_SKEW_SECONDS) {
    const direction = skew > 0 ? 'old' : 'in the future';
    throw new SlackSignatureError(
      'stale_timestamp',
      `X-Slack-Request-Timestamp is ${Math.round(Math.abs(skew))} s ${direction}; ` +
        `at most ${SLACK_SIGNATURE_MAX_SKEW_SECONDS} s is accepted`,
    );
  }
  const expected = computeSlackSignature(opts.signingSecret, timestamp, opts.rawBody);
  if (!constantTimeEquals(signature, expected)) {
    throw new SlackSignatureError('bad_signature', 'X-Slack-Signature does not match the request body');
  }
}
