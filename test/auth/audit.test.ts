/**
 * The audit log through the API with authentication on: every kind of action leaves an entry saying who, how
 * (`via`), what and with which outcome; `GET /audit` filters by application, time and count, and shows an
 * application's entries only to those who may READ it (admins see all).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/tokens.js';
import { startHarness, waitFor, type Harness } from '../support/harness.js';

const TOKENS = {
  alice: 'slo_alice-audit-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  bob: 'slo_bob-audit-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  carol: 'slo_carol-audit-ccccccccccccccccccccccccccccccccccc',
  admin: 'slo_admin-audit-dddddddddddddddddddddddddddddddddddd',
};
type Who = keyof typeof TOKENS;
const as = (who: Who, via?: 'ui' | 'cli') => ({ authorization: `Bearer ${TOKENS[who]}`, ...(via ? { 'x-slackops-client': via } : {}) });
const tokens = [
  { name: 'alice', tokenSha256: sha256Hex(TOKENS.alice), user: 'alice@example.com', roles: ['shop', 'approvers'] },
  { name: 'bob', tokenSha256: sha256Hex(TOKENS.bob), user: 'bob@example.com', roles: ['shop'] },
  { name: 'carol', tokenSha256: sha256Hex(TOKENS.carol), user: 'carol@example.com' },
  { name: 'admin', tokenSha256: sha256Hex(TOKENS.admin), user: 'root@example.com', roles: ['platform-admins'] },
];

const FLOW = {
  application: 'shop',
  name: 'Flow',
  stages: [
    { refId: '1', requisiteStageRefIds: [], type: 'manualJudgment', name: 'Approve', selectedStageRoles: ['approvers'], notifications: [] },
    { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'Soak', waitTime: 3600 },
  ],
};
const HOOKED = {
  application: 'hooks',
  name: 'On push',
  triggers: [{ type: 'webhook', source: 'audit-push', enabled: true, runAsUser: 'ci-bot@example.com' }],
  stages: [{ refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Nap', waitTime: 0 }],
};

let h: Harness;
let executionId: string;
let startedAt: number;

async function execution(id: string) {
  return (await h.api('GET', `/pipelines/${id}`, undefined, as('admin'))).body;
}
async function until(id: string, what: string, test: (e: any) => boolean) {
  return waitFor(what, async () => {
    const e = await execution(id);
    return test(e) ? e : null;
  }, 30_000);
}
async function ok(res: Promise<{ status: number; body: any }>, status = 200) {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

beforeAll(async () => {
  h = await startHarness({ slackEnabled: false, config: { auth: { enabled: true, tokens, adminRoles: ['platform-admins'] } } });
  startedAt = Date.now();
  await ok(h.api('PUT', '/applications/shop', { description: 'Shop', permissions: { READ: ['shop'], WRITE: ['shop'], EXECUTE: ['shop'] } }, as('alice', 'ui')), 201);
  await ok(h.api('POST', '/pipelines', FLOW, as('alice', 'cli')));
  const ref = (await ok(h.api('POST', '/pipelines/shop/Flow', {}, as('bob')), 202)).ref as string;
  executionId = ref.replace('/pipelines/', '');
  const e = await until(executionId, 'the judgment to wait', (x) => x.stages[0].status === 'RUNNING');
  const [judgment, soak] = [e.stages[0].id as string, e.stages[1].id as string];
  await ok(h.api('PUT', `/pipelines/${executionId}/pause`, undefined, as('bob')));
  await ok(h.api('PUT', `/pipelines/${executionId}/resume`, undefined, as('bob')));
  // bob holds EXECUTE but not the stage's role: refused by the stage rules; carol lacks EXECUTE: denied
  expect((await h.api('PATCH', `/pipelines/${executionId}/stages/${judgment}`, { judgmentStatus: 'continue' }, as('bob'))).status).toBe(403);
  expect((await h.api('PATCH', `/pipelines/${executionId}/stages/${judgment}`, { judgmentStatus: 'continue' }, as('carol'))).status).toBe(403);
  await ok(h.api('PATCH', `/pipelines/${executionId}/stages/${judgment}`, { judgmentStatus: 'continue', judgmentInput: null, reason: 'looks good' }, as('alice', 'ui')));
  await until(executionId, 'the soak to run', (x) => x.stages[1].status === 'RUNNING');
  await ok(h.api('PATCH', `/pipelines/${executionId}/stages/${soak}`, { skipRemainingWait: true }, as('bob')));
  await until(executionId, 'the execution to succeed', (x) => x.status === 'SUCCEEDED');
  await ok(h.api('PUT', `/pipelines/${executionId}/stages/${soak}/restart`, undefined, as('bob')));
  await ok(h.api('PUT', `/pipelines/${executionId}/cancel?reason=enough`, undefined, as('bob')));
  await until(executionId, 'the execution to end', (x) => ['CANCELED', 'SUCCEEDED'].includes(x.status));
  await ok(h.api('DELETE', `/pipelines/${executionId}`, undefined, as('alice')));
  await ok(h.api('DELETE', '/pipelines/shop/Flow', undefined, as('alice')));
  // denied: carol may not trigger (the pipeline is saved again for it)
  await ok(h.api('POST', '/pipelines', FLOW, as('alice')));
  expect((await h.api('POST', '/pipelines/shop/Flow', {}, as('carol'))).status).toBe(403);
  // an open application, triggered by a webhook (runAsUser of another user: an admin saves it)
  await ok(h.api('POST', '/pipelines', HOOKED, as('admin')));
  const hook = await fetch(`${h.service.url}/webhooks/webhook/audit-push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(hook.status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

type Entry = { id: number; at: number; user: string; via: string; action: string; application: string; executionId?: string; stageId?: string; outcome: string; detail: any };
async function audit(query: string, who: Who = 'admin'): Promise<Entry[]> {
  return ok(h.api('GET', `/audit${query}`, undefined, as(who)));
}

describe('audit entries', () => {
  it('record each kind of action: who, how, what and the outcome, newest first', async () => {
    const entries = (await audit('?application=shop')).reverse(); // oldest first, to read as a story
    const story = entries.map((e) => [e.action, e.user, e.via, e.outcome]);
    expect(story).toEqual([
      // a bearer token saying X-SLACKOPS-CLIENT: ui is an API call: ui is recorded only for login sessions
      ['application.save', 'alice@example.com', 'api', 'ok'],
      ['pipeline.save', 'alice@example.com', 'cli', 'ok'],
      ['pipeline.trigger', 'bob@example.com', 'api', 'ok'],
      ['execution.pause', 'bob@example.com', 'api', 'ok'],
      ['execution.resume', 'bob@example.com', 'api', 'ok'],
      ['judgment', 'bob@example.com', 'api', 'refused'],
      ['judgment', 'carol@example.com', 'api', 'denied'],
      ['judgment', 'alice@example.com', 'api', 'ok'],
      ['stage.skipWait', 'bob@example.com', 'api', 'ok'],
      ['stage.restart', 'bob@example.com', 'api', 'ok'],
      ['execution.cancel', 'bob@example.com', 'api', 'ok'],
      ['execution.delete', 'alice@example.com', 'api', 'ok'],
      ['pipeline.delete', 'alice@example.com', 'api', 'ok'],
      ['pipeline.save', 'alice@example.com', 'api', 'ok'],
      ['pipeline.trigger', 'carol@example.com', 'api', 'denied'],
    ]);
    const byAction = (a: string, outcome = 'ok') => entries.find((e) => e.action === a && e.outcome === outcome)!;
    expect(byAction('application.save').detail).toMatchObject({ created: true, description: 'Shop', permissions: { READ: ['shop'], WRITE: ['shop'], EXECUTE: ['shop'] } });
    expect(byAction('pipeline.trigger')).toMatchObject({ executionId, detail: { name: 'Flow' } });
    expect(byAction('judgment', 'refused')).toMatchObject({
      executionId,
      stageId: expect.any(String),
      detail: { judgmentStatus: 'continue', result: 'not_allowed', reason: expect.stringMatching(/needs one of the roles approvers/) },
    });
    expect(byAction('judgment', 'denied').detail.reason).toMatch(/^EXECUTE on application shop is needed; you \(carol@example\.com\) hold roles \[\]/);
    expect(byAction('judgment').detail).toMatchObject({ judgmentStatus: 'continue', comment: 'looks good', result: 'accepted' });
    expect(byAction('execution.cancel').detail).toEqual({ reason: 'enough' });
    expect(byAction('pipeline.trigger', 'denied').detail).toMatchObject({ needed: 'EXECUTE', message: expect.stringMatching(/EXECUTE on application shop is needed/) });
    for (const e of entries) {
      expect(e.application).toBe('shop');
      expect(e.at).toBeGreaterThanOrEqual(startedAt);
    }
    const ids = entries.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('record webhook triggers as the trigger\'s runAsUser, via webhook', async () => {
    const [entry] = await audit('?application=hooks&limit=1');
    expect(entry).toMatchObject({ action: 'pipeline.trigger', user: 'ci-bot@example.com', via: 'webhook', outcome: 'ok', detail: { name: 'On push', source: 'audit-push' } });
  });

  it('record application changes with the permissions before and after', async () => {
    await ok(h.api('PUT', '/applications/shop', { permissions: { READ: ['shop'], WRITE: ['shop'] } }, as('admin')));
    const [entry] = await audit('?application=shop&limit=1');
    expect(entry).toMatchObject({
      action: 'application.save',
      user: 'root@example.com',
      detail: { created: false, permissions: { READ: ['shop'], WRITE: ['shop'] }, previousPermissions: { READ: ['shop'], WRITE: ['shop'], EXECUTE: ['shop'] } },
    });
    expect((await h.api('PUT', '/applications/shop', { description: 'mine now' }, as('carol'))).status).toBe(403);
    const [denied] = await audit('?application=shop&limit=1');
    expect(denied).toMatchObject({ action: 'application.save', user: 'carol@example.com', outcome: 'denied', detail: { description: 'mine now', needed: 'WRITE' } });
  });
});

describe('GET /audit', () => {
  it('filters by application, since and limit', async () => {
    const all = await audit('');
    expect(new Set(all.map((e) => e.application))).toEqual(new Set(['shop', 'hooks']));
    expect(await audit('?limit=2')).toEqual(all.slice(0, 2));
    const middle = all[Math.floor(all.length / 2)]!;
    const since = await audit(`?since=${middle.at}`);
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((e) => e.at >= middle.at)).toBe(true);
    expect(since.map((e) => e.id)).toContain(middle.id);
    expect(await audit(`?since=${new Date(middle.at).toISOString()}`)).toEqual(since);
    expect(await audit(`?since=${Date.now() + 60_000}`)).toEqual([]);
  });

  it('shows an application\'s entries only to those who may READ it', async () => {
    const denied = await h.api('GET', '/audit?application=shop', undefined, as('carol'));
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/^READ on application shop is needed; you \(carol@example\.com\) hold roles \[\]/);
    const carols = await audit('', 'carol');
    expect(carols.length).toBeGreaterThan(0);
    expect(carols.every((e) => e.application === 'hooks')).toBe(true);
    expect((await audit('', 'bob')).some((e) => e.application === 'shop')).toBe(true);
    const unauthenticated = await fetch(`${h.service.url}/audit`);
    expect(unauthenticated.status).toBe(401);
  });

  it('answers 400 naming the parameter for bad input', async () => {
    for (const [query, message] of [
      ['?limit=0', /^query\.limit: expected a whole number from 1 to 1000/],
      ['?limit=abc', /^query\.limit: expected a whole number from 1 to 1000/],
      ['?since=yesterday', /^query\.since: expected epoch milliseconds or an ISO 8601 time/],
      ['?application=a&application=b', /^query\.application: given more than once/],
      ['?app=shop', /^query\.app: unknown parameter; expected application, since or limit/],
    ] as const) {
      const r = await h.api('GET', `/audit${query}`, undefined, as('admin'));
      expect(r.status, query).toBe(400);
      expect(r.body.message).toMatch(message);
    }
  });
});
