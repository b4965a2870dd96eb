/**
 * SlackApi.openView, userGroups and userGroupMembers against the fake Slack (real HTTP on loopback).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rejectReasonModal } from '../../src/slack/blocks.js';
import { SlackApi, SlackApiError } from '../../src/slack/client.js';
import { fakeUserGroupId, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';

const TOKEN = 'xoxb-test-0000-SECRETTOKEN';

let fake: FakeSlack;
let api: SlackApi;

beforeAll(async () => {
  fake = await startFakeSlack({
    token: TOKEN,
    userGroups: {
      sre: { id: 'S0SRE', name: 'Site reliability', users: ['U0CAROL', 'U0DAN'] },
      deployers: { users: ['U0BOB'] },
    },
  });
  api = new SlackApi({ token: TOKEN, baseUrl: fake.baseUrl, timeoutMs: 2000 });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

async function failure(p: Promise<unknown>): Promise<SlackApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SlackApiError);
    expect((err as Error).message).not.toContain('SECRETTOKEN');
    return err as SlackApiError;
  }
  throw new Error('expected a SlackApiError, the call succeeded');
}

/** Runs `fn` with a fake of its own (for per-method overrides, which last as long as the fake). */
async function withOwnFake(fn: (own: FakeSlack, ownApi: SlackApi) => Promise<void>): Promise<void> {
  const own = await startFakeSlack({ token: TOKEN });
  try {
    await fn(own, new SlackApi({ token: TOKEN, baseUrl: own.baseUrl, timeoutMs: 2000 }));
  } finally {
    await own.close();
  }
}

const modal = () =>
  rejectReasonModal({ executionId: 'E1', stageId: 'S1', stageName: 'Approve', pipelineName: 'Deploy', application: 'checkout' });

describe('openView (views.open)', () => {
  it('sends the trigger id and the view, and returns the view id', async () => {
    const { viewId } = await api.openView('123.456.abc', modal());
    expect(viewId).toMatch(/^V\d{10}$/);
    const [call] = fake.callsTo('views.open');
    expect(call!.args.trigger_id).toBe('123.456.abc');
    expect(call!.args.view).toEqual(modal());
    expect(fake.views().map((v) => [v.id, v.triggerId])).toEqual([[viewId, '123.456.abc']]);
  });

  it("maps Slack's errors: expired trigger, rate limit, server error, an answer without a view", async () => {
    fake.failNext('views.open', 1, { error: 'expired_trigger_id' });
    const expired = await failure(api.openView('1.1.a', modal()));
    expect(expired).toMatchObject({ code: 'expired_trigger_id', retryable: false, method: 'views.open' });
    expect(expired.message).toContain('3 seconds');
    fake.failNext('views.open', 1, { status: 429, retryAfterSec: 2 });
    expect(await failure(api.openView('1.1.b', modal()))).toMatchObject({ code: 'ratelimited', retryable: true, retryAfterMs: 2000 });
    fake.failNext('views.open', 1, { status: 500 });
    expect(await failure(api.openView('1.1.c', modal()))).toMatchObject({ code: 'http_500', retryable: true });
    await withOwnFake(async (own, ownApi) => {
      own.onMethod('views.open', () => ({ ok: true }));
      expect(await failure(ownApi.openView('1.1.d', modal()))).toMatchObject({ code: 'invalid_response', retryable: false });
      own.onMethod('views.open', () => ({ ok: true, view: { id: 'V0OVERRIDE' } }));
      expect(await ownApi.openView('1.1.e', modal())).toEqual({ viewId: 'V0OVERRIDE' });
    });
  });
});

describe('userGroups (usergroups.list) and userGroupMembers (usergroups.users.list)', () => {
  it('lists groups with id, handle and name, and their members', async () => {
    const groups = await api.userGroups();
    expect(groups).toEqual([
      { id: 'S0SRE', handle: 'sre', name: 'Site reliability', users: ['U0CAROL', 'U0DAN'] },
      { id: fakeUserGroupId('deployers'), handle: 'deployers', name: 'deployers', users: ['U0BOB'] },
    ]);
    expect(await api.userGroupMembers('S0SRE')).toEqual(['U0CAROL', 'U0DAN']);
    expect(await api.userGroupMembers(groups[1]!.id)).toEqual(['U0BOB']);
    expect(fake.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toEqual(['S0SRE', groups[1]!.id]);
  });

  it('skips malformed entries and refuses answers without the list', async () => {
    await withOwnFake(async (own, ownApi) => {
      own.onMethod('usergroups.list', () => ({
        ok: true,
        usergroups: [{ id: 'S1', handle: 'ops' }, { id: 'S2' }, 'junk', { handle: 'nohandle' }],
      }));
      own.onMethod('usergroups.users.list', () => ({ ok: true, users: ['U1', 7, '', 'W2'] }));
      expect(await ownApi.userGroups()).toEqual([{ id: 'S1', handle: 'ops', name: 'ops', users: null }]);
      expect(await ownApi.userGroupMembers('S1')).toEqual(['U1', 'W2']);
      own.onMethod('usergroups.list', () => ({ ok: true }));
      own.onMethod('usergroups.users.list', () => ({ ok: true }));
      expect(await failure(ownApi.userGroups())).toMatchObject({ code: 'invalid_response', method: 'usergroups.list' });
      expect(await failure(ownApi.userGroupMembers('S1'))).toMatchObject({ code: 'invalid_response', method: 'usergroups.users.list' });
    });
  });

  it("maps Slack's errors: missing scope, unknown group", async () => {
    fake.failNext('usergroups.list', 1, { error: 'missing_scope' });
    expect(await failure(api.userGroups())).toMatchObject({ code: 'missing_scope', retryable: false });
    expect(await failure(api.userGroupMembers('S0NOPE'))).toMatchObject({ code: 'no_such_subteam', retryable: false });
  });
});

describe('fake Slack usergroups answers', () => {
  it('answers no_such_subteam for an unknown group and include_users on request', async () => {
    const other = await startFakeSlack({ userGroups: { sre: { users: ['U1'] } } });
    try {
      const call = async (method: string, body: Record<string, string>) =>
        (await (await fetch(`${other.baseUrl}/api/${method}`, { method: 'POST', body: new URLSearchParams(body) })).json()) as Record<string, any>;
      expect(await call('usergroups.users.list', { usergroup: 'S0NOPE' })).toEqual({ ok: false, error: 'no_such_subteam' });
      const listed = await call('usergroups.list', { include_users: 'true' });
      expect(listed.usergroups[0]).toMatchObject({ id: fakeUserGroupId('sre'), handle: 'sre', users: ['U1'], user_count: '1' });
      expect((await call('usergroups.list', {})).usergroups[0].users).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
