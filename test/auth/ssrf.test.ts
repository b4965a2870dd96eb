/**
 * The webhook stage and Slack's response_url are not a way into the service's own network: a real service with a
 * local target server, and the Slack client against URLs a signed payload could carry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { startWebhookTarget, type WebhookTarget } from '../support/webhook-target.js';
import { NetworkGuard } from '../../src/engine/stages/webhook/guard.js';
import { exchange, HttpFailure } from '../../src/engine/stages/webhook/http.js';
import { SlackApi, SlackApiError } from '../../src/slack/client.js';

let open: Harness; // default policy
let strict: Harness; // loopback denied, and an allow-list
let target: WebhookTarget;
let seq = 0;

beforeAll(async () => {
  target = await startWebhookTarget();
  open = await startHarness({ slackEnabled: false });
  strict = await startHarness({
    slackEnabled: false,
    config: { webhook: { deniedCidrs: ['169.254.0.0/16', '127.0.0.0/8', '::1'], allowedHosts: ['deploy.example.com', '*.internal.example.com'] } },
  });
});
afterAll(async () => {
  await open?.close();
  await strict?.close();
  await target?.close();
});

async function runHook(h: Harness, url: string): Promise<any> {
  const app = `ssrf${++seq}`;
  const saved = await h.api('POST', '/pipelines', { application: app, name: 'Hook', stages: [{ refId: '1', type: 'webhook', name: 'Call', url, method: 'POST', payload: { a: 1 } }] });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const res = await h.api('POST', `/pipelines/${app}/Hook`, {});
  const id = (res.body as { ref: string }).ref;
  return waitFor(`${url} to end`, async () => {
    const e = (await h.api('GET', id)).body;
    return ['RUNNING', 'NOT_STARTED'].includes(e.status) ? null : e;
  }, 20_000);
}

describe('webhook stage', () => {
  it('to the metadata address 169.254.169.254 fails TERMINAL at once, naming the rule, without connecting', async () => {
    const e = await runHook(open, 'http://169.254.169.254/latest/meta-data/iam/security-credentials/');
    expect(e.stages[0].status).toBe('TERMINAL');
    expect(e.stages[0].context.webhookRetries ?? 0).toBe(0);
    expect(e.stages[0].context.exception.details.error).toBe(
      'POST http://169.254.169.254/latest/meta-data/iam/security-credentials/ refused: 169.254.169.254 is in webhook.deniedCidrs (169.254.0.0/16); no connection was made',
    );
  });

  it('refuses the IPv4-mapped IPv6 spelling of the metadata address and IPv6 link-local too', async () => {
    const mapped = await runHook(open, 'http://[::ffff:169.254.169.254]/latest/meta-data/');
    expect(mapped.stages[0].context.exception.details.error).toMatch(/refused: ::ffff:a9fe:a9fe is in webhook\.deniedCidrs \(169\.254\.0\.0\/16\)/);
    const v6 = await runHook(open, 'http://[fe80::1]/');
    expect(v6.stages[0].context.exception.details.error).toMatch(/refused: fe80::1 is in webhook\.deniedCidrs \(fe80::\/10\)/);
  });

  it('still calls loopback and private addresses by default (self-hosted deploy tooling)', async () => {
    target.on('POST', '/ok', { status: 200, body: { ok: true } });
    const e = await runHook(open, `${target.base}/ok`);
    expect(e.stages[0].status).toBe('SUCCEEDED');
    expect(target.requestsTo('/ok')).toHaveLength(1);
  });

  it('checks a host name after DNS resolution: localhost resolving to a denied address is refused, and nothing reaches the target', async () => {
    target.on('POST', '/denied', { status: 200 });
    const byAddress = await runHook(strict, `${target.base}/denied`);
    expect(byAddress.stages[0].context.exception.details.error).toMatch(/refused: 127\.0\.0\.1 is in webhook\.deniedCidrs \(127\.0\.0\.0\/8\); no connection was made/);
    const guard = new NetworkGuard({ allowedHosts: null, deniedCidrs: ['127.0.0.0/8', '::1'] });
    const err = await exchange({ method: 'POST', url: `http://localhost:${target.port}/denied`, headers: {}, timeoutMs: 5000, maxBodyBytes: 1000, signal: new AbortController().signal, guard }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpFailure);
    expect((err as HttpFailure).kind).toBe('denied');
    expect((err as HttpFailure).message).toMatch(/refused: localhost \((127\.0\.0\.1|::1)\) is in webhook\.deniedCidrs/);
    expect(target.requestsTo('/denied')).toHaveLength(0);
  });

  it('with webhook.allowedHosts, refuses hosts not listed, naming the list', async () => {
    const e = await runHook(strict, 'http://metadata.google.internal/computeMetadata/v1/');
    expect(e.stages[0].status).toBe('TERMINAL');
    expect(e.stages[0].context.exception.details.error).toBe(
      'POST http://metadata.google.internal/computeMetadata/v1/ refused: metadata.google.internal is not in webhook.allowedHosts (deploy.example.com, *.internal.example.com); no connection was made',
    );
    const guard = new NetworkGuard({ allowedHosts: ['deploy.example.com', '*.internal.example.com', '192.0.2.0/24'], deniedCidrs: [] });
    expect(() => guard.checkHost('deploy.example.com')).not.toThrow();
    expect(() => guard.checkHost('a.internal.example.com')).not.toThrow();
    expect(() => guard.checkHost('internal.example.com.evil.net')).not.toThrow(); // a name not listed: its addresses decide (ranges are listed)
    expect(() => guard.checkHost('192.0.2.9')).not.toThrow();
    expect(() => guard.checkHost('198.51.100.1')).toThrow(/198\.51\.100\.1 is not in webhook\.allowedHosts/);
    const namesOnly = new NetworkGuard({ allowedHosts: ['deploy.example.com'], deniedCidrs: [] });
    expect(() => namesOnly.checkHost('evil.example.com')).toThrow(/evil\.example\.com is not in webhook\.allowedHosts \(deploy\.example\.com\)/);
  });
});

describe('response_url', () => {
  const slack = (hosts?: string[]) => new SlackApi({ token: 'xoxb-test', baseUrl: 'http://127.0.0.1:9', responseUrlHosts: hosts });
  it.each([
    'https://evil.example.com/actions/1',
    'http://hooks.slack.com/actions/1',
    'https://hooks.slack.com.evil.example.com/actions/1',
    'https://user:pw@hooks.slack.com/actions/1',
    'https://169.254.169.254/latest/meta-data/',
    'https://slack.com/api/chat.postMessage',
    'not a url',
  ])('refuses %s without calling it', async (url) => {
    const err = await slack().respond(url, { text: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackApiError);
    expect((err as SlackApiError).code).toBe('untrusted_response_url');
  });

  it('allows only the hosts in slack.responseUrlHosts when set', async () => {
    const err = await slack(['*.slack-gov.com']).respond('https://hooks.slack.com/actions/1', { text: 'hi' }).catch((e: unknown) => e);
    expect((err as SlackApiError).code).toBe('untrusted_response_url');
  });
});
