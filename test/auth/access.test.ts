/**
 * Who may do what through the REST API with authentication on: a real service on loopback, real SQLite, tokens
 * from the configuration (by SHA-256), `authz.roles` by email, and Gate's header from a trusted or untrusted
 * proxy address. Each row: the caller, the request, the status, and what the message must name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/tokens.js';
import { judgmentPipeline, startHarness, waitFor, type Harness } from '../support/harness.js';

const TOKENS = {
  deployer: 'slo_deployer-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  sre: 'slo_sre-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  carol: 'slo_carol-token-ccccccccccccccccccccccccccccccccccccc',
  admin: 'slo_admin-token-ddddddddddddddddddddddddddddddddddddd',
};
const tokenEntries = [
  { name: 'deployer', tokenSha256: sha256Hex(TOKENS.deployer), user: 'dave@example.com', roles: ['deployers'] },
  { name: 'sre-bot', tokenSha256: sha256Hex(TOKENS.sre), user: 'sre-bot@example.com', roles: ['sre'] },
  // no roles on the token: carol is in authz.roles.sre by email
  { name: 'carol', tokenSha256: sha256Hex(TOKENS.carol), user: 'carol@example.com' },
  { name: 'admin', tokenSha256: sha256Hex(TOKENS.admin), user: 'root@example.com', roles: ['platform-admins'] },
];
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

let h: Harness; // trusts no proxy on 127.0.0.1 (the header from the test is from an untrusted address)
let proxied: Harness; // trusts 127.0.0.1 as its proxy

beforeAll(async () => {
  const common = {
    slackEnabled: false,
    config: { authz: { roles: { sre: ['Carol@example.com'] } } } as Record<string, Record<string, unknown>>,
  };
  h = await startHarness({
    ...common,
    config: { ...common.config, auth: { enabled: true, tokens: tokenEntries, trustedProxies: ['10.0.0.0/8'], adminRoles: ['platform-admins'] } },
  });
  proxied = await startHarness({
    ...common,
    config: { ...common.config, auth: { enabled: true, tokens: tokenEntries, trustedProxies: ['127.0.0.1', '::1'] } },
  });
});
afterAll(async () => {
  await h?.close();
  await proxied?.close();
});

/** Saves the judgment pipeline (stage restricted to `sre`) and triggers it as the deployer; returns the execution id. */
async function pendingSreJudgment(app: string, on = h): Promise<string> {
  const saved = await on.api('POST', '/pipelines', judgmentPipeline({ application: app }, { selectedStageRoles: ['sre'], notifications: [] }), bearer(TOKENS.deployer));
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const res = await on.api('POST', `/pipelines/${app}/Deploy%20to%20production`, { parameters: { version: '1' } }, bearer(TOKENS.deployer));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const id = (res.body as { ref: string }).ref.replace('/pipelines/', '');
  await waitFor('the judgment stage to run', async () => (await on.api('GET', `/pipelines/${id}`, undefined, bearer(TOKENS.deployer))).body.stages[0].status === 'RUNNING');
  return id;
}

describe('without a valid credential', () => {
  it.each([
    ['no credential', {}, /authentication required.*Authorization: Bearer <token>.*slackops token create/],
    ['a wrong token', bearer('slo_not-a-configured-token'), /bearer token is not valid/],
    ['a token differing in one character', bearer(TOKENS.deployer.slice(0, -1) + 'b'), /bearer token is not valid/],
    ['the token\'s SHA-256 instead of the token', bearer(sha256Hex(TOKENS.deployer)), /bearer token is not valid/],
    ['Basic credentials', { authorization: 'Basic ZGF2ZTpzZWNyZXQ=' }, /only the Bearer scheme is accepted \(got "Basic"\)/],
    ['Gate\'s header from an address that is not a trusted proxy', { 'x-spinnaker-user': 'alice@example.com' }, /X-SPINNAKER-USER was ignored: .*auth\.trustedProxies.*127\.0\.0\.1 is not one/],
  ])('%s → 401 with a Bearer challenge and a message saying how to authenticate', async (_who, headers, message) => {
    for (const [method, path, body] of [
      ['GET', '/applications', undefined],
      ['POST', '/pipelines', judgmentPipeline({ application: 'nope' })],
      ['PATCH', '/pipelines/x/stages/1', { judgmentStatus: 'continue' }],
      ['PUT', '/pipelines/x/cancel', undefined],
      ['GET', '/auth/me', undefined],
    ] as const) {
      const res = await fetch(`${h.service.url}${path}`, {
        method,
        headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="slackops"/);
      const answer = (await res.json()) as { message: string };
      expect(answer.message).toMatch(message);
      expect(JSON.stringify(answer)).not.toContain(TOKENS.deployer);
    }
    expect((await h.api('GET', '/applications', undefined, bearer(TOKENS.deployer))).body.map((a: { name: string }) => a.name)).not.toContain('nope');
  });

  it('says invalid_token in the challenge for a token that matches nothing', async () => {
    const res = await fetch(`${h.service.url}/applications`, { headers: bearer('slo_wrong') });
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="slackops", error="invalid_token"');
  });

  it('leaves /health, webhook triggers and the Slack callback (signed by Slack) open', async () => {
    expect((await h.api('GET', '/health')).status).toBe(200);
    const hook = await h.api('POST', '/webhooks/webhook/ci', { branch: 'main' });
    expect(hook.status).toBe(200);
    expect(hook.body.eventProcessed).toBe(true);
    // Slack is off in this service: the callback answers for itself (404 saying so), not with a Bearer challenge.
    const slack = await fetch(`${h.service.url}/notifications/callbacks/slack`, { method: 'POST', body: 'payload=%7B%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(slack.status).toBe(404);
    expect(slack.headers.get('www-authenticate')).toBeNull();
  });
});

describe('with a token', () => {
  it('acts as the token\'s user: GET /auth/me shows user, roles (token + authz.roles) and admin', async () => {
    expect((await h.api('GET', '/auth/me', undefined, bearer(TOKENS.deployer))).body).toEqual({
      user: 'dave@example.com', roles: ['deployers'], admin: false, via: 'api', method: 'token', tokenName: 'deployer', auth: { enabled: true, login: null },
    });
    expect((await h.api('GET', '/auth/me', undefined, bearer(TOKENS.carol))).body).toMatchObject({ user: 'carol@example.com', roles: ['sre'], admin: false });
    expect((await h.api('GET', '/auth/me', undefined, { ...bearer(TOKENS.admin), 'x-slackops-client': 'cli' })).body).toMatchObject({
      user: 'root@example.com', roles: ['platform-admins'], admin: true, via: 'cli',
    });
  });

  it('records the token\'s user as the triggerer, whatever the body says', async () => {
    const id = await pendingSreJudgment('access-trigger');
    const e = (await h.api('GET', `/pipelines/${id}`, undefined, bearer(TOKENS.deployer))).body;
    expect(e.trigger.user).toBe('dave@example.com');
    const again = await h.api('POST', '/pipelines/access-trigger/Deploy%20to%20production', { user: 'someone-else@example.com', parameters: { version: '2' } }, bearer(TOKENS.deployer));
    const e2 = (await h.api('GET', (again.body as { ref: string }).ref, undefined, bearer(TOKENS.deployer))).body;
    expect(e2.trigger.user).toBe('dave@example.com');
  });

  it('judges an sre-only stage only with the sre role: 403 naming the role without it, 200 with it (token role)', async () => {
    const id = await pendingSreJudgment('access-judge');
    const refused = await h.api('PATCH', `/pipelines/${id}/stages/${(await stageId(id))}`, { judgmentStatus: 'continue' }, bearer(TOKENS.deployer));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/dave@example\.com may not judge this stage: it needs one of the roles sre/);
    const admin = await h.api('PATCH', `/pipelines/${id}/stages/${(await stageId(id))}`, { judgmentStatus: 'continue' }, bearer(TOKENS.admin));
    expect(admin.status, 'admin roles do not stand in for a stage\'s own roles').toBe(403);
    const ok = await h.api('PATCH', `/pipelines/${id}/stages/${(await stageId(id))}`, { judgmentStatus: 'continue' }, bearer(TOKENS.sre));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.stages[0].context).toMatchObject({ judgmentStatus: 'continue', lastModifiedBy: 'sre-bot@example.com' });
    const attempts = ok.body.stages[0].context.judgments as Array<{ user: string; accepted: boolean; via: string }>;
    expect(attempts.map((a) => [a.user, a.accepted, a.via])).toEqual([
      ['dave@example.com', false, 'api'],
      ['root@example.com', false, 'api'],
      ['sre-bot@example.com', true, 'api'],
    ]);
  });

  it('counts authz.roles membership by email for a token without roles of its own', async () => {
    const id = await pendingSreJudgment('access-carol');
    const ok = await h.api('PATCH', `/pipelines/${id}/stages/${await stageId(id)}`, { judgmentStatus: 'stop', reason: 'not today' }, bearer(TOKENS.carol));
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.stages[0].context.lastModifiedBy).toBe('carol@example.com');
  });

  it('cancels as the token\'s user', async () => {
    const id = await pendingSreJudgment('access-cancel');
    const res = await h.api('PUT', `/pipelines/${id}/cancel?reason=wrong%20version`, undefined, bearer(TOKENS.deployer));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ canceled: true, canceledBy: 'dave@example.com' });
  });

  it('still answers bad input with a 4xx naming it (415, 400, 413), never a 5xx', async () => {
    const text = await fetch(`${h.service.url}/pipelines`, { method: 'POST', headers: { ...bearer(TOKENS.deployer), 'content-type': 'text/plain' }, body: 'hello' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { message: string }).message).toMatch(/Content-Type/);
    const malformed = await fetch(`${h.service.url}/pipelines`, { method: 'POST', headers: { ...bearer(TOKENS.deployer), 'content-type': 'application/json' }, body: '{"a":' });
    expect(malformed.status).toBe(400);
    const big = await fetch(`${h.service.url}/pipelines`, { method: 'POST', headers: { ...bearer(TOKENS.deployer), 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(1024 * 1024 + 10) }) });
    expect(big.status).toBe(413);
  });
});

describe('behind a trusted proxy', () => {
  it('believes Gate\'s header from a trusted address, with the user\'s authz.roles', async () => {
    const me = await proxied.api('GET', '/auth/me', undefined, { 'X-SPINNAKER-USER': 'carol@example.com' });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: 'carol@example.com', roles: ['sre'], method: 'trusted-header' });
    const id = await pendingSreJudgment('proxied-judge', proxied);
    const ok = await proxied.api('PATCH', `/pipelines/${id}/stages/${await stageId(id, proxied)}`, { judgmentStatus: 'continue' }, { 'X-SPINNAKER-USER': 'carol@example.com' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.stages[0].context.lastModifiedBy).toBe('carol@example.com');
  });

  it('still refuses a request with neither header nor token', async () => {
    expect((await proxied.api('GET', '/applications')).status).toBe(401);
  });
});

describe('security headers', () => {
  it('are on every answer: a CSP allowing only same-origin scripts and styles, nosniff, no framing', async () => {
    for (const path of ['/health', '/applications', '/']) {
      const res = await fetch(`${h.service.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
  });
});

async function stageId(id: string, on = h): Promise<string> {
  return (await on.api('GET', `/pipelines/${id}`, undefined, bearer(TOKENS.deployer))).body.stages[0].id;
}
