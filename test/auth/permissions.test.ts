/**
 * Who may do what to an application (Fiat's READ/WRITE/EXECUTE), through the REST API with authentication on:
 * a real service on loopback, real SQLite, bearer tokens, roles from `authz.roles` by email, an admin role.
 * Each row of the table: the authorization, the case (no permissions set, role held, role not held, admin), the
 * caller, the request, the status, and for a 403 what the message must name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/tokens.js';
import { judgmentPipeline, startHarness, waitFor, type Harness } from '../support/harness.js';

const TOKENS = {
  alice: 'slo_alice-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', // dev: READ, WRITE on locked
  bob: 'slo_bob-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', // ops: READ, EXECUTE on locked
  nobody: 'slo_nobody-token-ccccccccccccccccccccccccccccccccccc', // no role
  admin: 'slo_admin-token-dddddddddddddddddddddddddddddddddddd', // platform-admins
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
const PIPELINE = 'Deploy to production';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    config: {
      auth: { enabled: true, tokens, adminRoles: ['platform-admins'] },
      // Slack users' emails (the fake's U0ALICE, U0BOB) map to the same roles as their tokens' users.
      authz: { roles: { dev: ['alice@example.com'], ops: ['Bob@example.com'] } },
    },
  });
  // `open` has no permissions; `locked` has; both have the judgment pipeline (saved by the admin).
  for (const app of ['open', 'locked']) {
    const saved = await h.api('POST', '/pipelines', judgmentPipeline({ application: app }, { notifications: [] }), bearer('admin'));
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  }
  const put = await h.api('PUT', '/applications/locked', { permissions: LOCKED }, bearer('admin'));
  expect(put.status, JSON.stringify(put.body)).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

async function trigger(app: string, who: Who): Promise<string> {
  const res = await h.api('POST', `/pipelines/${app}/${encodeURIComponent(PIPELINE)}`, { parameters: { version: '1' } }, bearer(who));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return (res.body as { ref: string }).ref.replace('/pipelines/', '');
}

async function awaitingJudgment(app: string): Promise<{ id: string; stageId: string }> {
  const id = await trigger(app, 'admin');
  const e = await waitFor('the judgment stage to run', async () => {
    const got = (await h.api('GET', `/pipelines/${id}`, undefined, bearer('admin'))).body;
    return got.stages[0].status === 'RUNNING' ? got : null;
  });
  return { id, stageId: e.stages[0].id };
}

type Row = [authorization: string, kind: string, app: string, who: Who, status: number, message?: RegExp];

/** The request that needs each authorization. */
const request: Record<string, (app: string, who: Who) => Promise<{ status: number; body: any }>> = {
  READ: (app, who) => h.api('GET', `/applications/${app}/pipelineConfigs`, undefined, bearer(who)),
  WRITE: (app, who) => h.api('POST', '/pipelines', judgmentPipeline({ application: app, name: 'Other' }, { notifications: [] }), bearer(who)),
  EXECUTE: (app, who) => h.api('POST', `/pipelines/${app}/${encodeURIComponent(PIPELINE)}`, { parameters: { version: '1' } }, bearer(who)),
};

describe('who may do what (READ/WRITE/EXECUTE × no permissions, role held, role not held, admin)', () => {
  const rows: Row[] = [
    ['READ', 'no permissions set', 'open', 'nobody', 200],
    ['READ', 'role held', 'locked', 'alice', 200],
    ['READ', 'role not held', 'locked', 'nobody', 403, /^READ on application locked is needed; you \(nobody@example\.com\) hold roles \[\] \(granted to roles: dev, ops\)$/],
    ['READ', 'admin', 'locked', 'admin', 200],
    ['WRITE', 'no permissions set', 'open', 'nobody', 200],
    ['WRITE', 'role held', 'locked', 'alice', 200],
    ['WRITE', 'role not held', 'locked', 'bob', 403, /^WRITE on application locked is needed; you \(bob@example\.com\) hold roles \[ops\] \(granted to roles: dev\)$/],
    ['WRITE', 'admin', 'locked', 'admin', 200],
    ['EXECUTE', 'no permissions set', 'open', 'nobody', 202],
    ['EXECUTE', 'role held', 'locked', 'bob', 202],
    ['EXECUTE', 'role not held', 'locked', 'alice', 403, /^EXECUTE on application locked is needed; you \(alice@example\.com\) hold roles \[dev\] \(granted to roles: ops\)$/],
    ['EXECUTE', 'admin', 'locked', 'admin', 202],
  ];
  it.each(rows)('%s, %s (%s as %s) → %i', async (authorization, _kind, app, who, status, message) => {
    const res = await request[authorization]!(app, who);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    if (message) {
      expect(res.body).toMatchObject({ status: 403, error: 'Forbidden' });
      expect(res.body.message).toMatch(message);
    }
  });
});

describe('applications', () => {
  it('answers the caller\'s authorizations with the application, and 403 without READ', async () => {
    const as = async (who: Who) => (await h.api('GET', '/applications/locked', undefined, bearer(who))).body;
    expect(await as('alice')).toMatchObject({ name: 'locked', permissions: LOCKED, authorizations: ['READ', 'WRITE'] });
    expect((await as('bob')).authorizations).toEqual(['READ', 'EXECUTE']);
    expect((await as('admin')).authorizations).toEqual(['READ', 'WRITE', 'EXECUTE']);
    const denied = await h.api('GET', '/applications/locked', undefined, bearer('nobody'));
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/READ on application locked is needed/);
    expect((await h.api('GET', '/applications/open', undefined, bearer('nobody'))).body).toMatchObject({ permissions: {}, authorizations: ['READ', 'WRITE', 'EXECUTE'] });
  });

  it('lists only the applications the caller may READ', async () => {
    const names = async (who: Who) => ((await h.api('GET', '/applications', undefined, bearer(who))).body as Array<{ name: string }>).map((a) => a.name);
    expect(await names('nobody')).not.toContain('locked');
    expect(await names('nobody')).toContain('open');
    expect(await names('bob')).toEqual(expect.arrayContaining(['open', 'locked']));
    expect(await names('admin')).toEqual(expect.arrayContaining(['open', 'locked']));
  });

  it('lets anyone create an application; changing one (its permissions included) needs WRITE or an admin', async () => {
    const made = await h.api('PUT', '/applications/team-a', { description: 'A', permissions: { READ: ['dev'], WRITE: ['dev'] } }, bearer('alice'));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.authorizations).toEqual(['READ', 'WRITE', 'EXECUTE']); // EXECUTE left out: READ's roles
    const byBob = await h.api('PUT', '/applications/team-a', { permissions: { READ: ['ops'], WRITE: ['ops'] } }, bearer('bob'));
    expect(byBob.status).toBe(403);
    expect(byBob.body.message).toMatch(/^WRITE on application team-a is needed; you \(bob@example\.com\) hold roles \[ops\]/);
    expect((await h.api('GET', '/applications/team-a', undefined, bearer('alice'))).body.permissions).toEqual({ READ: ['dev'], WRITE: ['dev'] });
    // the admin may change anything; the owner may hand the application over
    expect((await h.api('PUT', '/applications/team-a', { permissions: { READ: ['dev', 'ops'], WRITE: ['dev'] } }, bearer('admin'))).status).toBe(200);
    expect((await h.api('PUT', '/applications/team-a', { permissions: null }, bearer('alice'))).status).toBe(200);
    expect((await h.api('GET', '/applications/team-a', undefined, bearer('nobody'))).body).toMatchObject({ permissions: {}, authorizations: ['READ', 'WRITE', 'EXECUTE'] });
  });

  it('falls back to READ\'s roles for EXECUTE left out or empty (Fiat), and to admins only for an empty WRITE', async () => {
    await h.api('PUT', '/applications/fallback', { permissions: { READ: ['dev'], WRITE: [] } }, bearer('admin'));
    await h.api('POST', '/pipelines', judgmentPipeline({ application: 'fallback' }, { notifications: [] }), bearer('admin'));
    expect((await request.EXECUTE!('fallback', 'alice')).status).toBe(202);
    await h.api('PUT', '/applications/fallback', { permissions: { READ: ['dev'], WRITE: [], EXECUTE: [] } }, bearer('admin'));
    expect((await request.EXECUTE!('fallback', 'alice')).status).toBe(202);
    expect((await request.EXECUTE!('fallback', 'bob')).body.message).toMatch(/^EXECUTE on application fallback is needed; .*\(granted to roles: dev\)$/);
    const write = await request.WRITE!('fallback', 'alice');
    expect(write.status).toBe(403);
    expect(write.body.message).toMatch(/WRITE on application fallback is needed; .*granted to no role; only admins hold it/);
  });
});

describe('executions', () => {
  it('needs READ to see one and its list, EXECUTE to cancel, pause, resume, restart and judge, WRITE to delete', async () => {
    const { id, stageId } = await awaitingJudgment('locked');
    const seen = await h.api('GET', `/pipelines/${id}`, undefined, bearer('nobody'));
    expect(seen.status).toBe(403);
    expect(seen.body.message).toMatch(/^READ on application locked is needed/);
    expect((await h.api('GET', '/applications/locked/pipelines', undefined, bearer('nobody'))).status).toBe(403);
    expect((await h.api('GET', `/pipelines/${id}`, undefined, bearer('alice'))).status).toBe(200);

    for (const [method, path, body] of [
      ['PUT', `/pipelines/${id}/pause`, undefined],
      ['PUT', `/pipelines/${id}/resume`, undefined],
      ['PUT', `/pipelines/${id}/cancel`, undefined],
      ['PUT', `/pipelines/${id}/stages/${stageId}/restart`, undefined],
      ['PATCH', `/pipelines/${id}/stages/${stageId}`, { judgmentStatus: 'continue' }],
      ['PATCH', `/pipelines/${id}/stages/${stageId}`, { skipRemainingWait: true }],
    ] as const) {
      const res = await h.api(method, path, body, bearer('alice'));
      expect(res.status, `${method} ${path} ${JSON.stringify(res.body)}`).toBe(403);
      expect(res.body.message).toMatch(/^EXECUTE on application locked is needed; you \(alice@example\.com\) hold roles \[dev\]/);
    }
    expect((await h.api('DELETE', `/pipelines/${id}`, undefined, bearer('bob'))).body.message).toMatch(/^WRITE on application locked is needed/);
    // nothing changed: still waiting for the judgment; bob (ops: EXECUTE) judges
    const judged = await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { judgmentStatus: 'continue' }, bearer('bob'));
    expect(judged.status, JSON.stringify(judged.body)).toBe(200);
    const done = await waitFor('the execution to succeed', async () => {
      const e = (await h.api('GET', `/pipelines/${id}`, undefined, bearer('bob'))).body;
      return e.status === 'SUCCEEDED' ? e : null;
    });
    expect(done.stages[0].context.lastModifiedBy).toBe('bob@example.com');
    expect(done.stages[0].context.judgments[0]).toMatchObject({ user: 'alice@example.com', accepted: false, reason: expect.stringMatching(/EXECUTE on application locked/) });
    expect((await h.api('DELETE', `/pipelines/${id}`, undefined, bearer('alice'))).status).toBe(200);
  });

  it('lets an admin judge, but not past the stage\'s own judgment roles', async () => {
    await h.api('POST', '/pipelines', judgmentPipeline({ application: 'locked', name: 'Roles' }, { notifications: [], selectedStageRoles: ['ops'] }), bearer('admin'));
    const res = await h.api('POST', '/pipelines/locked/Roles', { parameters: { version: '1' } }, bearer('bob'));
    const id = (res.body as { ref: string }).ref.replace('/pipelines/', '');
    const e = await waitFor('the judgment stage to run', async () => {
      const got = (await h.api('GET', `/pipelines/${id}`, undefined, bearer('admin'))).body;
      return got.stages[0].status === 'RUNNING' ? got : null;
    });
    const byAdmin = await h.api('PATCH', `/pipelines/${id}/stages/${e.stages[0].id}`, { judgmentStatus: 'continue' }, bearer('admin'));
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.message).toMatch(/may not judge this stage: it needs one of the roles ops/);
    // the admin holds EXECUTE on the application: cancelling is theirs to do
    expect((await h.api('PUT', `/pipelines/${id}/cancel`, undefined, bearer('admin'))).status).toBe(200);
  });
});

describe('Slack clicks', () => {
  it('refuses a clicker without EXECUTE on the application, ephemerally, naming it; a holder judges', async () => {
    await h.api(
      'POST',
      '/pipelines',
      judgmentPipeline({ application: 'locked', name: 'From Slack' }, { notifications: [{ type: 'slack', address: '#perm-slack', level: 'stage', when: ['manualJudgment'] }] }),
      bearer('admin'),
    );
    const res = await h.api('POST', '/pipelines/locked/From%20Slack', { parameters: { version: '1' } }, bearer('admin'));
    const id = (res.body as { ref: string }).ref.replace('/pipelines/', '');
    await h.judgmentMessage('perm-slack');
    const before = h.slack.responses.length;
    expect((await h.click('judgment:continue', { id: 'U0ALICE', name: 'alice' }, 'perm-slack')).status).toBe(200);
    await waitFor('an ephemeral reply', () => h.slack.responses.length > before);
    const reply = h.slack.responses[before]!.body;
    expect(reply).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(reply.text)).toMatch(/EXECUTE on application locked is needed; you \(alice@example\.com\) hold roles \[dev\]/);
    let e = (await h.api('GET', `/pipelines/${id}`, undefined, bearer('admin'))).body;
    expect(e.status).toBe('RUNNING');
    await h.click('judgment:continue', { id: 'U0BOB', name: 'bob' }, 'perm-slack');
    e = await waitFor('bob\'s approval to end it', async () => {
      const got = (await h.api('GET', `/pipelines/${id}`, undefined, bearer('admin'))).body;
      return got.status === 'SUCCEEDED' ? got : null;
    });
    expect(e.stages[0].context.lastModifiedBy).toBe('bob@example.com');
    const audit = (await h.api('GET', '/audit?application=locked', undefined, bearer('admin'))).body as any[];
    const clicks = audit.filter((a) => a.action === 'judgment' && a.executionId === id);
    expect(clicks.map((a) => [a.user, a.via, a.outcome])).toEqual([
      ['bob@example.com', 'slack', 'ok'],
      ['alice@example.com', 'slack', 'denied'],
    ]);
    expect(clicks[1].detail.reason).toMatch(/EXECUTE on application locked is needed/);
  });
});

describe('with auth disabled', () => {
  it('keeps everything open, whatever an application\'s permissions say', async () => {
    const open = await startHarness({ slackEnabled: false });
    try {
      const as = { 'x-spinnaker-user': 'someone@example.com' };
      expect((await open.api('PUT', '/applications/locked', { permissions: LOCKED }, as)).status).toBe(201);
      expect((await open.api('POST', '/pipelines', judgmentPipeline({ application: 'locked' }, { notifications: [] }), as)).status).toBe(200);
      expect((await open.api('GET', '/applications/locked', undefined, as)).body).toMatchObject({ permissions: LOCKED, authorizations: ['READ', 'WRITE', 'EXECUTE'] });
      expect((await open.api('POST', `/pipelines/locked/${encodeURIComponent(PIPELINE)}`, { parameters: { version: '1' } }, as)).status).toBe(202);
      expect((await open.api('PUT', '/applications/locked', { permissions: null })).status).toBe(200);
      expect(((await open.api('GET', '/audit?application=locked')).body as any[]).map((a) => a.action)).toEqual([
        'application.save',
        'pipeline.trigger',
        'pipeline.save',
        'application.save',
      ]);
    } finally {
      await open.close();
    }
  });
});
