/**
 * Fuzzing through the real HTTP service (fast-check; each property bounded in runs and in time). The unit-level
 * fuzzing of payload parsing (test/slack/payload.test.ts) and of expressions (test/expressions/safety.test.ts)
 * is not repeated here; this file throws hostile requests at the listening service:
 * - the Slack callback: random bodies, headers, payload shapes and signatures — never a 5xx, and without a valid
 *   signature never a state change, even when the body is a real click on the real button;
 * - the REST API with auth on: random credentials and user headers never authenticate and never cause a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeSlackSignature } from '../../src/slack/signature.js';
import { sha256Hex } from '../../src/auth/tokens.js';
import { judgmentPipeline, SIGNING_SECRET, startHarness, waitFor, type Harness } from '../support/harness.js';
import { blockActionsClick } from '../support/slack-requests.js';

const TOKEN = 'slo_fuzz-test-token-0123456789abcdefghijklmnopqrstu';
/** Each property stops after this long even if runs remain (the runs made so far must all have passed). */
const TIME_LIMIT_MS = 8_000;

let h: Harness;
let executionId: string;
let realClick: Record<string, unknown>;

const char = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

beforeAll(async () => {
  h = await startHarness({
    config: { auth: { enabled: true, tokens: [{ name: 'fuzz', tokenSha256: sha256Hex(TOKEN), user: 'alice@example.com', roles: [] }] } },
  });
  const auth = { authorization: `Bearer ${TOKEN}` };
  expect((await h.api('POST', '/pipelines', judgmentPipeline(), auth)).status).toBe(200);
  executionId = await pendingJudgment();
  const m = await h.judgmentMessage();
  realClick = blockActionsClick({ message: { blocks: m.blocks }, actionId: 'judgment:continue', user: { id: 'U0ALICE', name: 'alice' }, channel: m.channel, ts: m.ts });
}, 30_000);
afterAll(async () => {
  await h?.close();
});

async function post(path: string, body: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${h.service.url}${path}`, { method: 'POST', headers, body });
  await res.arrayBuffer();
  return res.status;
}

async function stage(id = executionId): Promise<{ status: string; context: Record<string, unknown> }> {
  return (await h.api('GET', `/pipelines/${id}`, undefined, { authorization: `Bearer ${TOKEN}` })).body.stages[0];
}

/** Triggers the judgment pipeline with the valid token; returns the execution id once the judgment is pending. */
async function pendingJudgment(): Promise<string> {
  const res = await h.api('POST', '/pipelines/checkout/Deploy%20to%20production', { parameters: { version: '1' } }, { authorization: `Bearer ${TOKEN}` });
  const id = (res.body as { ref: string }).ref.replace('/pipelines/', '');
  await waitFor('the judgment to be pending', async () => (await stage(id)).status === 'RUNNING');
  return id;
}

const form = (payload: unknown): string => new URLSearchParams({ payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }).toString();

/** Payload shapes: the real click, the real click with a field replaced by anything, or any JSON at all. */
const payloadShape = fc.oneof(
  fc.constant(null).map(() => realClick),
  fc.tuple(fc.constantFrom('type', 'user', 'actions', 'container', 'channel', 'message', 'view', 'response_url'), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => ({ ...realClick, [k]: v })),
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ type: fc.constantFrom('block_actions', 'interactive_message', 'view_submission', 'view_closed', 'shortcut'), actions: fc.array(fc.dictionary(printable, fc.jsonValue({ maxDepth: 2 })), { maxLength: 3 }) }),
);

/** Bodies: form-encoded payloads, raw strings, JSON. */
const body = fc.oneof(
  payloadShape.map(form),
  fc.string({ maxLength: 500 }),
  fc.string({ maxLength: 200 }).map((s) => `payload=${s}`),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
);

const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=utf-8');

describe('the Slack callback', () => {
  it('never answers 5xx and changes nothing without a valid signature, even for a real click', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    // Ways a signature can be wrong: none, garbage, the right scheme with wrong hex, a wrong secret, the right
    // secret over another body, a stale or future timestamp, a timestamp that is not a number.
    const badSignature = fc.oneof(
      fc.constant(() => ({})),
      printable.map((sig) => () => ({ 'x-slack-signature': sig, 'x-slack-request-timestamp': String(now()) })),
      fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => () => ({ 'x-slack-signature': `v0=${hex}`, 'x-slack-request-timestamp': String(now()) })),
      printable.map((secret) => (b: string) => ({ 'x-slack-signature': computeSlackSignature(`${secret}x`, String(now()), b), 'x-slack-request-timestamp': String(now()) })),
      fc.constant((b: string) => ({ 'x-slack-signature': computeSlackSignature(SIGNING_SECRET, String(now()), `${b} `), 'x-slack-request-timestamp': String(now()) })),
      fc.integer({ min: 301, max: 10 ** 9 }).chain((skew) =>
        fc.constantFrom(-1, 1).map((sign) => (b: string) => {
          const ts = String(now() + sign * skew);
          return { 'x-slack-signature': computeSlackSignature(SIGNING_SECRET, ts, b), 'x-slack-request-timestamp': ts };
        }),
      ),
      printable.filter((t) => !/^\d+$/.test(t.trim())).map((ts) => (b: string) => ({ 'x-slack-signature': computeSlackSignature(SIGNING_SECRET, ts, b), 'x-slack-request-timestamp': ts })),
    );
    await fc.assert(
      fc.asyncProperty(body, badSignature, contentType, async (b, sign, type) => {
        const status = await post('/notifications/callbacks/slack', b, { 'content-type': type, ...sign(b) });
        expect(status).toBeLessThan(500);
        expect(status).not.toBe(200);
      }),
      { numRuns: 300, interruptAfterTimeLimit: TIME_LIMIT_MS },
    );
    // The real click, sent with every kind of bad signature above, judged nothing.
    const s = await stage();
    expect(s.status).toBe('RUNNING');
    expect(s.context.judgments ?? []).toEqual([]);
    expect(s.context.judgmentStatus).toBeUndefined();
  }, 60_000);

  it('never answers 5xx to validly signed requests of any shape', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(payloadShape.filter((p) => p !== realClick).map(form), fc.string({ maxLength: 300 })),
        contentType,
        async (b, type) => {
          const ts = String(Math.floor(Date.now() / 1000));
          const status = await post('/notifications/callbacks/slack', b, { 'content-type': type, 'x-slack-signature': computeSlackSignature(SIGNING_SECRET, ts, b), 'x-slack-request-timestamp': ts });
          expect(status).toBeLessThan(500);
        },
      ),
      { numRuns: 300, interruptAfterTimeLimit: TIME_LIMIT_MS },
    );
    // The service is still healthy afterwards.
    await waitFor('health', async () => (await h.api('GET', '/health')).status === 200);
  }, 60_000);
});

describe('the REST API with auth on', () => {
  it('random credentials and user headers never authenticate and never cause a 5xx', async () => {
    // A judgment pending now (the signed fuzzing above may legitimately have judged the first one).
    const pending = await pendingJudgment();
    const credential = fc.oneof(
      printable.map((t) => `Bearer ${t}`),
      // the valid token with one character changed (the scheme's case does not matter, RFC 7235)
      fc.nat({ max: TOKEN.length - 1 }).chain((i) => char.filter((c) => c !== TOKEN[i]).map((c) => `Bearer ${TOKEN.slice(0, i)}${c}${TOKEN.slice(i + 1)}`)),
      fc.constant(`Bearer ${TOKEN}x`),
      fc.constant(`Bearer ${TOKEN.slice(0, -1)}`),
      fc.constant(`Bearer ${sha256Hex(TOKEN)}`),
      printable.map((t) => `Basic ${Buffer.from(t).toString('base64')}`),
      printable,
      fc.constant(`bearer  ${TOKEN} extra`),
    );
    const route = fc.constantFrom(
      ['GET', '/auth/me'],
      ['GET', '/applications'],
      ['POST', '/pipelines'],
      ['PATCH', `/pipelines/EXEC/stages/1`],
      ['PUT', '/pipelines/EXEC/cancel'],
      ['POST', '/pipelines/checkout/Deploy%20to%20production'],
    );
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.option(credential, { nil: undefined }),
        fc.option(printable, { nil: undefined }),
        fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
        async ([method, path], authorization, user, json) => {
          const headers: Record<string, string> = {};
          if (authorization !== undefined) headers.authorization = authorization;
          if (user !== undefined) headers['x-spinnaker-user'] = user;
          const withBody = json !== undefined && method !== 'GET';
          if (withBody) headers['content-type'] = 'application/json';
          const res = await fetch(`${h.service.url}${path.replace('EXEC', pending)}`, { method, headers, body: withBody ? JSON.stringify({ judgmentStatus: 'continue', x: json }) : undefined });
          await res.arrayBuffer();
          expect(res.status).toBe(401);
        },
      ),
      { numRuns: 300, interruptAfterTimeLimit: TIME_LIMIT_MS },
    );
    const s = await stage(pending);
    expect(s.status).toBe('RUNNING');
    expect(s.context.judgments ?? []).toEqual([]);
    expect((await h.api('GET', `/pipelines/${pending}`, undefined, { authorization: `Bearer ${TOKEN}` })).body.canceled).toBe(false);
  }, 60_000);
});
