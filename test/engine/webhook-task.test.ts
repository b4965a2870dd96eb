/**
 * The webhook stage's pieces on their own: the JSON path resolver, URL and secret scrubbing, and the task's
 * decisions called directly (`execute`) against a local target — crash re-runs, retry limits and backoff, timeouts,
 * waitBeforeMonitor, unresolvable status URLs and the engine's abort.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineExecution, StageExecution } from '../../src/model/execution.js';
import { webhookStage, MAX_RETRIES, retryDelayMs } from '../../src/engine/stages/webhook.js';
import { parseJsonPath, readJsonPath, JsonPathError } from '../../src/engine/stages/webhook/json-path.js';
import { parseBody, safeUrl, scrub, splitCredentials, statusName } from '../../src/engine/stages/webhook/http.js';
import { startWebhookTarget, type WebhookTarget } from '../support/webhook-target.js';

let target: WebhookTarget;
beforeAll(async () => {
  target = await startWebhookTarget();
});
afterAll(async () => {
  await target.close();
});

const NOW = 1_700_000_000_000;

function run(context: Record<string, unknown>, signal: AbortSignal = new AbortController().signal) {
  const stage = { id: 's1', refId: '1', type: 'webhook', name: 'Hook', status: 'RUNNING', context, outputs: {}, requisiteStageRefIds: [], startTime: NOW, endTime: null, lastModified: null, tasks: [] } as StageExecution;
  const execution = { id: 'e1', status: 'RUNNING', stages: [stage] } as unknown as PipelineExecution;
  return webhookStage.execute!({ execution, stage, now: NOW, signal });
}

describe('json path', () => {
  const doc = { status: 'DONE', data: [{ state: 'ok', 'build-info': { url: 'u' } }], n: 0, nil: null };
  it.each([
    ['$.status', 'DONE'],
    ['status', 'DONE'],
    ['$.data[0].state', 'ok'],
    ["$.data[0]['build-info'].url", 'u'],
    ['$["data"][0]["state"]', 'ok'],
    ['$.n', 0],
    ['$.nil', null],
    ['$', doc],
  ])('%s reads %j', (path, value) => {
    expect(readJsonPath(doc, path)).toEqual({ found: true, value });
  });

  it.each(['$.missing', '$.data[1].state', '$.status.length', '$.data.state', '$.__proto__', '$.constructor'])('%s is not found', (path) => {
    expect(readJsonPath(doc, path)).toEqual({ found: false });
  });

  it.each([
    ['$..status', 'deep scan (..) is not supported in "$..status"; name each property'],
    ['$.data[*].state', 'unsupported selector [*] in "$.data[*].state"; use [0] or [\'name\']'],
    ["$.data[?(@.state=='ok')]", 'unsupported selector [?(@.state==\'ok\')] in "$.data[?(@.state==\'ok\')]"; use [0] or [\'name\']'],
    ['$.data[0', 'unclosed [ at position 6 of "$.data[0"'],
    ['', 'expected a JSON path such as $.status'],
    ['$ status', 'unexpected " " at position 1 of "$ status"'],
  ])('refuses %s', (path, message) => {
    expect(() => parseJsonPath(path)).toThrow(new JsonPathError(message));
  });
});

describe('messages and bodies', () => {
  it('strips credentials and secret-looking query values from URLs', () => {
    expect(safeUrl('https://bob:hunter22@deploy.example.com/hooks/deploy?api_key=k1&env=prod&sig=s')).toBe(
      'https://deploy.example.com/hooks/deploy?api_key=***&env=prod&sig=***',
    );
    expect(safeUrl('not a url')).toBe('(invalid URL)');
    expect(splitCredentials('https://bob:p%40ss@h.example/x')).toEqual({ url: 'https://h.example/x', authorization: `Basic ${Buffer.from('bob:p@ss').toString('base64')}` });
    expect(splitCredentials('https://h.example/x')).toEqual({ url: 'https://h.example/x', authorization: null });
  });

  it('scrubs secrets, longest first, leaving short values alone', () => {
    expect(scrub('token abcdef and abcdefgh, id 42', ['abcdef', 'abcdefgh', '42'])).toBe('token *** and ***, id 42');
  });

  it("names statuses as Spring's HttpStatus and parses JSON bodies as orca does", () => {
    expect([200, 202, 409, 503, 599].map(statusName)).toEqual(['OK', 'ACCEPTED', 'CONFLICT', 'SERVICE_UNAVAILABLE', '599']);
    expect(parseBody('{"a":1}', 'text/plain')).toEqual({ a: 1 });
    expect(parseBody(' [1]', null)).toEqual([1]);
    expect(parseBody('{oops', 'application/json')).toBe('{oops');
    expect(parseBody('plain', null)).toBe('plain');
    expect(parseBody('', 'application/json')).toBeUndefined();
  });
});

describe('webhook task decisions', () => {
  it('after a crash with webhook.statusEndpoint stored, polls instead of calling again', async () => {
    target.on('POST', '/t/rerun', { status: 200, body: {} });
    target.on('GET', '/t/rerun', { status: 200, body: { status: 'DONE' } });
    const res = await run({
      url: `${target.base}/t/rerun`,
      waitForCompletion: true,
      statusJsonPath: '$.status',
      successStatuses: 'DONE',
      webhook: { statusCode: 'OK', statusCodeValue: 200, statusEndpoint: `${target.base}/t/rerun` },
    });
    expect(res.status).toBe('SUCCEEDED');
    expect(target.requestsTo('/t/rerun').map((r) => r.method)).toEqual(['GET']);
  });

  it('records the status endpoint and waits waitBeforeMonitor seconds before the first poll', async () => {
    target.on('POST', '/t/wait', { status: 202, headers: { location: '/t/wait/status?id=1' } });
    const res = await run({ url: `${target.base}/t/wait`, waitForCompletion: true, statusUrlResolution: 'locationHeader', statusJsonPath: '$.s', waitBeforeMonitor: 2 });
    expect(res).toEqual({
      status: 'RUNNING',
      retryAt: NOW + 2000,
      context: { webhook: { statusCode: 'ACCEPTED', statusCodeValue: 202, statusEndpoint: `${target.base}/t/wait/status?id=1` }, webhookRetries: 0 },
    });
  });

  it('stores the status endpoint without credentials and polls the same origin with them', async () => {
    target.on('POST', '/t/creds', { status: 200, body: {} });
    target.on('GET', '/t/creds', { status: 200, body: { s: 'OK' } });
    const url = `http://ci:s3cret-pass@${target.base.slice('http://'.length)}/t/creds`;
    const ctx = { url, waitForCompletion: true, statusJsonPath: '$.s', successStatuses: 'OK' };
    const first = await run(ctx);
    expect((first.context as any).webhook.statusEndpoint).toBe(`${target.base}/t/creds`);
    const second = await run({ ...ctx, webhook: (first.context as any).webhook });
    expect(second.status).toBe('SUCCEEDED');
    const basic = `Basic ${Buffer.from('ci:s3cret-pass').toString('base64')}`;
    expect(target.requestsTo('/t/creds').map((r) => [r.method, r.headers.authorization])).toEqual([['POST', basic], ['GET', basic]]);
  });

  it('backs off 1 s, 2 s, 4 s … capped at 30 s, and fails after MAX_RETRIES', async () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(retryDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    target.on('POST', '/t/down', { status: 502, body: 'bad gateway' });
    const third = await run({ url: `${target.base}/t/down`, webhookRetries: 2 });
    expect(third).toEqual({
      status: 'RUNNING',
      retryAt: NOW + 4000,
      context: {
        webhook: { statusCode: 'BAD_GATEWAY', statusCodeValue: 502, body: 'bad gateway', error: `POST ${target.base}/t/down answered 502: bad gateway; will retry (3 of 8)` },
        webhookRetries: 3,
      },
    });
    const last = await run({ url: `${target.base}/t/down`, webhookRetries: MAX_RETRIES });
    expect(last.status).toBe('TERMINAL');
    expect((last.context as any).exception.details.error).toBe(`POST ${target.base}/t/down answered 502: bad gateway; gave up after 8 retries`);
  });

  it('does not repeat a timed-out POST, but retries a timed-out PUT', async () => {
    target.on('POST', '/t/slow', { status: 200, delayMs: 1500 });
    target.on('PUT', '/t/slow', { status: 200, delayMs: 1500 });
    const post = await run({ url: `${target.base}/t/slow`, requestTimeoutMs: 200 });
    expect(post.status).toBe('TERMINAL');
    expect((post.context as any).exception.details.error).toBe(`POST ${target.base}/t/slow did not answer within 0.2 s; not retried, as a POST may have been acted on`);
    const put = await run({ url: `${target.base}/t/slow`, method: 'PUT', requestTimeoutMs: 200 });
    expect(put).toMatchObject({ status: 'RUNNING', retryAt: NOW + 1000, context: { webhookRetries: 1 } });
  });

  it('fails when the status URL cannot be resolved from the answer', async () => {
    target.on('POST', '/t/nourl', { status: 200, body: { links: {} } });
    const res = await run({ url: `${target.base}/t/nourl`, waitForCompletion: true, statusUrlResolution: 'webhookResponse', statusUrlJsonPath: '$.links.status', statusJsonPath: '$.s' });
    expect(res.status).toBe('TERMINAL');
    expect((res.context as any).exception.details.error).toBe(
      `POST ${target.base}/t/nourl answered 200, but statusUrlJsonPath $.links.status found no status URL (a string) in the answer's body`,
    );
    target.on('POST', '/t/badurl', { status: 200, body: { links: { status: 'file:///etc/passwd' } } });
    const bad = await run({ url: `${target.base}/t/badurl`, waitForCompletion: true, statusUrlResolution: 'webhookResponse', statusUrlJsonPath: '$.links.status', statusJsonPath: '$.s' });
    expect((bad.context as any).exception.details.error).toBe(
      `POST ${target.base}/t/badurl answered 200, but the status URL file:///etc/passwd is refused: only http:// and https:// URLs are allowed, not file://`,
    );
  });

  it('fails a poll whose status path is missing or not a single value; keeps polling an unknown status', async () => {
    target.on('GET', '/t/poll', { status: 200, body: { other: 1 } }, { status: 200, body: { status: { nested: true } } }, { status: 200, body: { status: 'WAITING' } });
    const ctx = { url: `${target.base}/t/poll`, waitForCompletion: true, statusJsonPath: '$.status', successStatuses: 'DONE', monitorIntervalMs: 250, webhook: { statusEndpoint: `${target.base}/t/poll` } };
    const missing = await run(ctx);
    expect((missing.context as any).exception.details.error).toBe(`GET ${target.base}/t/poll: JSON property '$.status' (statusJsonPath) not found in the answer's body`);
    const nested = await run(ctx);
    expect((nested.context as any).exception.details.error).toBe(`GET ${target.base}/t/poll: statusJsonPath '$.status' did not resolve to a single value`);
    const waiting = await run(ctx);
    expect(waiting).toEqual({
      status: 'RUNNING',
      retryAt: NOW + 250,
      context: {
        webhook: { statusEndpoint: `${target.base}/t/poll`, monitor: { statusCode: 'OK', statusCodeValue: 200, body: { status: 'WAITING' } } },
        webhookRetries: 0,
      },
    });
  });

  it('rethrows when the engine aborts (shutdown), so the task is run again later', async () => {
    target.on('POST', '/t/abort', { status: 200, delayMs: 1000 });
    const ac = new AbortController();
    const p = run({ url: `${target.base}/t/abort` }, ac.signal);
    setTimeout(() => ac.abort(new Error('engine stopping')), 50);
    await expect(p).rejects.toThrow('engine stopping');
  });
});
