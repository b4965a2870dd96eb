/**
 * Managed delivery under application permissions (Fiat's READ/WRITE/EXECUTE) and the audit log, with
 * authentication on: a real service on loopback, real SQLite, bearer tokens, roles from `authz.roles` by email,
 * an admin role, the fake Slack. Each table row: the request, the case (no permissions set, role held, role not
 * held, admin), the caller, the status, and for a 403 what the message names.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/tokens.js';
import { applyDeliveryConfig } from '../../src/cli/delivery.js';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { clickJudgement } from './support.js';

const TOKENS = {
  alice: 'slo_alice-managed-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', // dev: READ, WRITE on locked
  bob: 'slo_bob-managed-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', // ops: READ, EXECUTE on locked
  nobody: 'slo_nobody-managed-ccccccccccccccccccccccccccccccccc', // no role
  admin: 'slo_admin-managed-ddddddddddddddddddddddddddddddddddd', // platform-admins
};
type Who = keyof typeof TOKENS;
const bearer = (who: Who) => ({ authorization: `Bearer ${TOKENS[who]}` });
const tokens = [
  { name: 'alice', tokenSha256: sha256Hex(TOKENS.alice), user: 'alice@example.com' },
  { name: 'bob', tokenSha256: sha256Hex(TOKENS.bob), user: 'bob@example.com' },
  { name: 'nobody', tokenSha256: sha256Hex(TOKENS.nobody), user: 'nobody@example.com' },
  { name: 'admin', tokenSha256: sha256Hex(TOKENS.admin), user: 'root@example.com', roles: ['platform-admins'] },
];
const LOCKED = { READ: ['dev', 'ops'], WRITE: ['dev'], EXECUTE: ['ops'] };
const USERS: Record<Who, string> = { alice: 'alice@example.com', bob: 'bob@example.com', nobody: 'nobody@example.com', admin: 'root@example.com' };

/** A delivery config without deploy pipelines (a version is CURRENT once its constraints pass): prod is judged. */
const configYml = (app: string) => `
name: ${app}-delivery
application: ${app}
artifacts:
  - name: ${app}-api
    type: docker
    reference: api
environments:
  - name: prod
    constraints:
      - type: manual-judgement
    notifications:
      - type: slack
        address: "#deploys"
        frequency: quiet
`;
const YAML = { 'content-type': 'application/x-yaml' };

let h: Harness;
let seq = 0;
/** A fresh version tag, unique across applications (the Slack messages are found by it). */
const nextVersion = () => `1.0.${++seq}`;

beforeAll(async () => {
  h = await startHarness({
    config: {
      auth: { enabled: true, tokens, adminRoles: ['platform-admins'] },
      authz: { roles: { dev: ['alice@example.com'], ops: ['Bob@example.com'] } },
    },
  });
  const put = await h.api('PUT', '/applications/locked', { permissions: LOCKED }, bearer('admin'));
  expect([200, 201], JSON.stringify(put.body)).toContain(put.status);
  for (const app of ['open', 'locked']) {
    const res = await h.api('POST', '/managed/delivery-configs', configYml(app), { ...YAML, ...bearer('admin') });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
});
afterAll(async () => {
  await h?.close();
});

async function register(app: string, version: string, who: Who = 'admin') {
  return h.api('POST', `/managed/application/${app}/artifacts/api/versions`, { version }, bearer(who));
}

/** Registers a version (as the admin) and waits until prod asks for its judgement. */
async function pending(app: string): Promise<string> {
  const version = nextVersion();
  expect((await register(app, version)).status).toBe(201);
  await waitFor(`${version} awaiting judgement in ${app}/prod`, async () => {
    const states = (await h.api('GET', `/managed/application/${app}/environment/prod/constraints`, undefined, bearer('admin'))).body as any[];
    return states.some((s) => s.artifactVersion === version && s.status === 'PENDING');
  }, 20_000);
  return version;
}

async function auditOf(app: string): Promise<any[]> {
  const res = await h.api('GET', `/audit?application=${app}&limit=1000`, undefined, bearer('admin'));
  expect(res.status).toBe(200);
  return res.body as any[];
}

type Req = (app: string, who: Who) => Promise<{ status: number; body: any }>;

/** One request per managed endpoint, named by the authorization it needs. */
const requests: Record<string, Req> = {
  'READ application view': (app, who) => h.api('GET', `/managed/application/${app}`, undefined, bearer(who)),
  'READ delivery config': (app, who) => h.api('GET', `/managed/delivery-configs/${app}-delivery`, undefined, bearer(who)),
  'READ constraints': (app, who) => h.api('GET', `/managed/application/${app}/environment/prod/constraints`, undefined, bearer(who)),
  'WRITE submit config': (app, who) => h.api('POST', '/managed/delivery-configs', configYml(app), { ...YAML, ...bearer(who) }),
  'EXECUTE register version': (app, who) => register(app, nextVersion(), who),
  'EXECUTE judge': async (app, who) => {
    const version = await pending(app);
    return h.api('POST', `/managed/application/${app}/environment/prod/constraint`, { type: 'manual-judgement', artifactReference: 'api', artifactVersion: version, status: 'OVERRIDE_FAIL', comment: 'not this one' }, bearer(who));
  },
  'EXECUTE pin': async (app, who) => {
    const version = nextVersion();
    expect((await register(app, version)).status).toBe(201);
    const res = await h.api('POST', `/managed/application/${app}/pin`, { targetEnvironment: 'prod', reference: 'api', version, comment: 'hold' }, bearer(who));
    // Unpinned again so the next judgement rows see prod evaluated.
    if (res.status === 204) expect((await h.api('DELETE', `/managed/application/${app}/pin/prod?reference=api`, undefined, bearer('admin'))).status).toBe(204);
    return res;
  },
  'EXECUTE unpin': async (app, who) => {
    const version = nextVersion();
    expect((await register(app, version)).status).toBe(201);
    expect((await h.api('POST', `/managed/application/${app}/pin`, { targetEnvironment: 'prod', reference: 'api', version }, bearer('admin'))).status).toBe(204);
    const res = await h.api('DELETE', `/managed/application/${app}/pin/prod?reference=api`, undefined, bearer(who));
    if (res.status !== 204) expect((await h.api('DELETE', `/managed/application/${app}/pin/prod?reference=api`, undefined, bearer('admin'))).status).toBe(204);
    return res;
  },
  'EXECUTE veto': async (app, who) => {
    const version = nextVersion();
    expect((await register(app, version)).status).toBe(201);
    return h.api('POST', `/managed/application/${app}/veto`, { targetEnvironment: 'prod', reference: 'api', version, comment: 'bad build' }, bearer(who));
  },
};

const OK: Record<string, number> = {
  'READ application view': 200,
  'READ delivery config': 200,
  'READ constraints': 200,
  'WRITE submit config': 200,
  'EXECUTE register version': 201,
  'EXECUTE judge': 200,
  'EXECUTE pin': 204,
  'EXECUTE unpin': 204,
  'EXECUTE veto': 204,
};

/** Who holds the authorization on `locked`, and who holds the other roles but not it. */
const HOLDER: Record<string, Who> = { READ: 'alice', WRITE: 'alice', EXECUTE: 'bob' };
const NOT_HOLDER: Record<string, Who> = { READ: 'nobody', WRITE: 'bob', EXECUTE: 'alice' };
const ROLES: Record<Who, string> = { alice: 'dev', bob: 'ops', nobody: '', admin: 'platform-admins' };
const GRANTED: Record<string, string> = { READ: 'dev, ops', WRITE: 'dev', EXECUTE: 'ops' };

type Row = [request: string, kind: string, app: string, who: Who, status: number, message?: RegExp];
const rows: Row[] = Object.keys(requests).flatMap((name): Row[] => {
  const authorization = name.split(' ')[0]!;
  const no = NOT_HOLDER[authorization]!;
  return [
    [name, 'no permissions set', 'open', 'nobody', OK[name]!],
    [name, 'role held', 'locked', HOLDER[authorization]!, OK[name]!],
    [name, 'role not held', 'locked', no, 403, new RegExp(`^${authorization} on application locked is needed; you \\(${USERS[no].replace('.', '\\.')}\\) hold roles \\[${ROLES[no]}\\] \\(granted to roles: ${GRANTED[authorization]}\\)$`)],
    [name, 'admin', 'locked', 'admin', OK[name]!],
  ];
});

describe('who may do what in managed delivery (READ/WRITE/EXECUTE × no permissions, role held, role not held, admin)', () => {
  it.each(rows)('%s, %s (%s as %s) → %i', async (name, _kind, app, who, status, message) => {
    const res = await requests[name]!(app, who);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (message) {
      expect(res.body).toMatchObject({ status: 403, error: 'Forbidden' });
      expect(res.body.message).toMatch(message);
    }
  });

  it('a refused change changes nothing: the version is not registered, the judgement stays pending, nothing is pinned or vetoed', async () => {
    const unregistered = nextVersion();
    expect((await register('locked', unregistered, 'alice')).status).toBe(403);
    const view = async () => JSON.stringify((await h.api('GET', '/managed/application/locked', undefined, bearer('admin'))).body);
    expect(await view()).not.toContain(`"version":"${unregistered}"`);

    const version = await pending('locked');
    const judged = await h.api('POST', '/managed/application/locked/environment/prod/constraint', { type: 'manual-judgement', artifactReference: 'api', artifactVersion: version, status: 'OVERRIDE_PASS' }, bearer('alice'));
    expect(judged.status).toBe(403);
    expect((await h.api('POST', '/managed/application/locked/pin', { targetEnvironment: 'prod', reference: 'api', version }, bearer('alice'))).status).toBe(403);
    expect((await h.api('POST', '/managed/application/locked/veto', { targetEnvironment: 'prod', reference: 'api', version }, bearer('alice'))).status).toBe(403);
    const states = (await h.api('GET', '/managed/application/locked/environment/prod/constraints', undefined, bearer('admin'))).body as any[];
    expect(states.find((s) => s.artifactVersion === version)).toMatchObject({ status: 'PENDING', judgedBy: null });
    const v = JSON.parse(await view());
    expect(v.environments[0].artifacts[0].pinned).toBeUndefined();
    expect(v.environments[0].artifacts[0].versions.find((x: any) => x.version === version).vetoed).toBeUndefined();
  });

  it('a config naming another application needs WRITE there too (no taking over a config by its name)', async () => {
    const res = await h.api('POST', '/managed/delivery-configs', configYml('mine').replace('name: mine-delivery', 'name: locked-delivery'), { ...YAML, ...bearer('bob') });
    expect(res.status, JSON.stringify(res.body)).toBe(403);
    expect(res.body.message).toMatch(/^WRITE on application locked is needed; you \(bob@example\.com\) hold roles \[ops\]/);
    expect((await h.api('GET', '/managed/delivery-configs/locked-delivery', undefined, bearer('admin'))).body).toMatchObject({ application: 'locked' });
  });

  it("the constraint's own roles apply on top of EXECUTE, for admins too", async () => {
    const yml = configYml('gated').replace('      - type: manual-judgement', '      - type: manual-judgement\n        roles: [release-managers]');
    expect((await h.api('POST', '/managed/delivery-configs', yml, { ...YAML, ...bearer('admin') })).status).toBe(200);
    const version = await pending('gated');
    const res = await h.api('POST', '/managed/application/gated/environment/prod/constraint', { type: 'manual-judgement', artifactReference: 'api', artifactVersion: version, status: 'OVERRIDE_PASS' }, bearer('admin'));
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/root@example\.com may not judge prod: it needs one of the roles release-managers/);
    const [entry] = await auditOf('gated');
    expect(entry).toMatchObject({ action: 'managed.judgement', user: 'root@example.com', via: 'api', outcome: 'refused', detail: { result: 'not_allowed', version } });
  });
});

describe('Slack judgement clicks', () => {
  it('refuses a clicker without EXECUTE ephemerally, naming it, and audits it denied; a holder judges', async () => {
    const version = await pending('locked');
    const before = h.slack.responses.length;
    await clickJudgement(h, version, 'managed:approve', { id: 'U0ALICE', name: 'alice' });
    await waitFor('an ephemeral reply', () => h.slack.responses.length > before);
    const reply = h.slack.responses[before]!.body;
    expect(reply).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(reply.text)).toMatch(/EXECUTE on application locked is needed; you \(alice@example\.com\) hold roles \[dev\]/);
    let states = (await h.api('GET', '/managed/application/locked/environment/prod/constraints', undefined, bearer('admin'))).body as any[];
    expect(states.find((s) => s.artifactVersion === version)).toMatchObject({ status: 'PENDING' });

    await clickJudgement(h, version, 'managed:approve', { id: 'U0BOB', name: 'bob' });
    await waitFor("bob's approval", async () => {
      states = (await h.api('GET', '/managed/application/locked/environment/prod/constraints', undefined, bearer('admin'))).body as any[];
      return states.find((s) => s.artifactVersion === version)?.status === 'OVERRIDE_PASS';
    });
    const clicks = (await auditOf('locked')).filter((a) => a.action === 'managed.judgement' && a.detail.version === version);
    expect(clicks.map((a) => [a.user, a.via, a.outcome, a.detail.result])).toEqual([
      ['bob@example.com', 'slack', 'ok', 'accepted'],
      ['alice@example.com', 'slack', 'denied', 'no_permission'],
    ]);
    expect(clicks[1].detail).toMatchObject({ environment: 'prod', status: 'OVERRIDE_PASS', slackUserId: 'U0ALICE' });
  });
});

describe('audit entries', () => {
  it('records each kind of managed change with the identity and how it came, and the refusals', async () => {
    const since = Date.now();
    const via = { 'x-slackops-client': 'ui' };
    expect((await h.api('POST', '/managed/delivery-configs', configYml('audited'), { ...YAML, ...bearer('admin') })).status).toBe(200);
    const v1 = nextVersion();
    expect((await register('audited', v1, 'bob')).status).toBe(201);
    expect((await register('audited', v1, 'bob')).status).toBe(200);
    await waitFor(`${v1} pending`, async () => ((await h.api('GET', '/managed/application/audited/environment/prod/constraints', undefined, bearer('admin'))).body as any[]).some((s) => s.status === 'PENDING'));
    const judge = (status: string) => h.api('POST', '/managed/application/audited/environment/prod/constraint', { type: 'manual-judgement', artifactVersion: v1, status }, { ...bearer('bob'), ...via });
    expect((await judge('OVERRIDE_PASS')).status).toBe(200);
    expect((await judge('OVERRIDE_FAIL')).status).toBe(409);
    expect((await h.api('POST', '/managed/application/audited/pin', { targetEnvironment: 'prod', version: v1, comment: 'freeze' }, bearer('bob'))).status).toBe(204);
    expect((await h.api('DELETE', '/managed/application/audited/pin/prod', undefined, bearer('bob'))).status).toBe(204);
    expect((await h.api('POST', '/managed/application/audited/veto', { targetEnvironment: 'prod', version: v1, comment: 'broke checkout' }, bearer('bob'))).status).toBe(204);
    const entries = (await auditOf('audited')).filter((a) => a.at >= since).reverse();
    expect(entries.map((a) => [a.action, a.user, a.via, a.outcome])).toEqual([
      ['managed.config.submit', 'root@example.com', 'api', 'ok'],
      ['managed.version.register', 'bob@example.com', 'api', 'ok'],
      ['managed.version.register', 'bob@example.com', 'api', 'ok'],
      // a bearer token claiming X-SLACKOPS-CLIENT: ui is recorded as api (ui only for login sessions)
      ['managed.judgement', 'bob@example.com', 'api', 'ok'],
      ['managed.judgement', 'bob@example.com', 'api', 'refused'],
      ['managed.pin', 'bob@example.com', 'api', 'ok'],
      ['managed.unpin', 'bob@example.com', 'api', 'ok'],
      ['managed.veto', 'bob@example.com', 'api', 'ok'],
    ]);
    expect(entries[0].detail).toMatchObject({ name: 'audited-delivery', created: true });
    expect(entries[1].detail).toMatchObject({ reference: 'api', version: v1, created: true });
    expect(entries[2].detail).toMatchObject({ created: false });
    expect(entries[3].detail).toMatchObject({ environment: 'prod', version: v1, status: 'OVERRIDE_PASS', result: 'accepted' });
    expect(entries[4].detail).toMatchObject({ status: 'OVERRIDE_FAIL', result: 'already_judged' });
    expect(entries[5].detail).toMatchObject({ environment: 'prod', reference: 'api', version: v1, comment: 'freeze' });
    expect(entries[7].detail).toMatchObject({ version: v1, comment: 'broke checkout', added: true });
  });

  it('records refusals by permissions as denied, naming what was needed', async () => {
    const since = Date.now();
    expect((await h.api('POST', '/managed/delivery-configs', configYml('locked'), { ...YAML, ...bearer('bob') })).status).toBe(403);
    expect((await register('locked', nextVersion(), 'alice')).status).toBe(403);
    expect((await h.api('POST', '/managed/application/locked/veto', { targetEnvironment: 'prod', version: '1.0.1' }, bearer('alice'))).status).toBe(403);
    const entries = (await auditOf('locked')).filter((a) => a.at >= since).reverse();
    expect(entries.map((a) => [a.action, a.user, a.outcome, a.detail.needed])).toEqual([
      ['managed.config.submit', 'bob@example.com', 'denied', 'WRITE'],
      ['managed.version.register', 'alice@example.com', 'denied', 'EXECUTE'],
      ['managed.veto', 'alice@example.com', 'denied', 'EXECUTE'],
    ]);
    expect(entries[0].detail.message).toMatch(/^WRITE on application locked is needed/);
  });
});

describe('slackops delivery apply with auth enabled', () => {
  it('sends the token and X-SLACKOPS-CLIENT: cli, so the audit says cli; without a token it is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackops-mperm-'));
    try {
      const file = join(dir, 'spinnaker.yml');
      writeFileSync(file, configYml('locked'));
      const refused = await applyDeliveryConfig({ file, url: h.service.url, token: null });
      expect(refused.code).toBe(1);
      expect(refused.err[0]).toMatch(/^refused \(401\)/);
      const denied = await applyDeliveryConfig({ file, url: h.service.url, token: TOKENS.bob });
      expect(denied.code).toBe(1);
      expect(denied.err.join('\n')).toMatch(/WRITE on application locked is needed/);
      expect(denied.err.join('\n')).not.toContain(TOKENS.bob);
      const since = Date.now();
      const applied = await applyDeliveryConfig({ file, url: h.service.url, token: TOKENS.alice });
      expect(applied).toMatchObject({ code: 0, err: [] });
      const [entry] = (await auditOf('locked')).filter((a) => a.at >= since);
      expect(entry).toMatchObject({ action: 'managed.config.submit', user: 'alice@example.com', via: 'cli', outcome: 'ok', detail: { name: 'locked-delivery' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
