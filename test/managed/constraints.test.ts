/**
 * Constraint behaviour through the real service: a judgement times out (fake clock) and its message says so;
 * depends-on holds a version back until test has it; a pending judgement keeps prod from jumping to an older
 * version; allowed-times delays a promotion until the window opens (fake clock); a restart mid-judgement loses
 * nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, BOT_TOKEN, type Harness } from '../support/harness.js';
import { startFakeSlack } from '../support/fake-slack.js';
import {
  FakeClock,
  SPINNAKER_YML,
  clickJudgement,
  deployExecutions,
  judgementPosts,
  messageFor,
  register,
  setUp,
  startClockHarness,
  stateOf,
  waitState,
} from './support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function constraints(h: Harness, env = 'prod'): Promise<any[]> {
  return (await h.api('GET', `/managed/application/checkout/environment/${env}/constraints`)).body;
}

describe('manual-judgement timeout', () => {
  it('fails the constraint with "Timed out after P5D" and replaces the message', async () => {
    const clock = new FakeClock(Date.parse('2026-11-02T10:00:00Z'));
    const h = await startClockHarness(clock);
    cleanups.push(() => h.close());
    await setUp(h);
    await register(h, '1.0.0');
    await waitFor('the judgement message', () => judgementPosts(h).length === 1);
    const pending = (await constraints(h))[0];
    expect(pending.status).toBe('PENDING');
    expect(pending.createdAt).toBe(Date.parse('2026-11-02T10:00:00Z'));
    expect(pending.timeoutAt).toBe(Date.parse('2026-11-07T10:00:00Z'));
    clock.advance(5 * 86_400_000 - 1000);
    h.service.managed.wake();
    await new Promise((r) => setTimeout(r, 200));
    expect((await constraints(h))[0].status).toBe('PENDING');
    clock.advance(2000);
    h.service.managed.wake();
    await waitFor('the timeout', async () => (await constraints(h))[0].status === 'FAIL');
    expect((await constraints(h))[0]).toMatchObject({ status: 'FAIL', comment: 'Timed out after P5D', judgedBy: null });
    await waitFor('the message updated', () => JSON.stringify(messageFor(h, '1.0.0')?.blocks ?? []).includes('Timed out after P5D'));
    expect(JSON.stringify(messageFor(h, '1.0.0')!.blocks)).not.toContain('managed:approve');
    // a click after the timeout changes nothing and says why
    await clickJudgement(h, '1.0.0', 'managed:approve');
    await waitFor('the clicker told', () => h.slack.responses.some((r) => String(r.body.text).includes('Timed out after P5D')));
    expect(await stateOf(h, 'prod', '1.0.0')).toBe('SKIPPED');
    expect((await deployExecutions(h)).filter((e) => e.trigger.parameters.environment === 'prod')).toHaveLength(0);
    // the API refuses too, naming the timeout
    const res = await h.api('POST', '/managed/application/checkout/environment/prod/constraint', { type: 'manual-judgement', artifactVersion: '1.0.0', status: 'OVERRIDE_PASS' });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('Timed out after P5D');
  });
});

describe('depends-on and pending judgements', () => {
  it('holds a version back until test has it, and a pending judgement blocks jumping to an older version', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    await setUp(h);
    await register(h, '1.0.0');
    await waitFor('the 1.0.0 judgement message', () => judgementPosts(h).length === 1);
    // 1.0.1-bad fails its test deploy: prod never asks about it (depends-on), 1.0.0 stays the one awaiting judgement
    await register(h, '1.0.1-bad');
    await waitState(h, 'test', '1.0.1-bad', 'SKIPPED');
    await new Promise((r) => setTimeout(r, 300));
    expect((await constraints(h)).map((s) => s.artifactVersion)).toEqual(['1.0.0']);
    expect(judgementPosts(h)).toHaveLength(1);
    expect(await stateOf(h, 'prod', '1.0.1-bad')).toBe('PENDING');

    // 2.0.0 reaches test; prod now asks about 2.0.0
    await register(h, '2.0.0');
    await waitState(h, 'test', '2.0.0', 'CURRENT');
    await waitFor('the 2.0.0 judgement message', () => judgementPosts(h).length === 2);
    // approving the older 1.0.0 does not deploy it while 2.0.0 is pending
    await clickJudgement(h, '1.0.0', 'managed:approve');
    await waitFor('1.0.0 approved', async () => (await stateOf(h, 'prod', '1.0.0')) === 'APPROVED');
    await new Promise((r) => setTimeout(r, 300));
    expect((await deployExecutions(h)).filter((e) => e.trigger.parameters.environment === 'prod')).toHaveLength(0);
    // rejecting 2.0.0 lets prod take the approved 1.0.0
    await clickJudgement(h, '2.0.0', 'managed:reject', { id: 'U0BOB', name: 'bob' });
    await waitState(h, 'prod', '1.0.0', 'CURRENT');
    expect(await stateOf(h, 'prod', '2.0.0')).toBe('SKIPPED');
  });
});

describe('allowed-times', () => {
  it('delays a promotion until the window opens (weekdays 9-17 Europe/Berlin)', async () => {
    const clock = new FakeClock(Date.parse('2026-11-28T12:00:00Z')); // a Saturday
    const h = await startClockHarness(clock);
    cleanups.push(() => h.close());
    const yml = SPINNAKER_YML.replace(
      `      - type: manual-judgement
        timeout: P5D`,
      `      - type: allowed-times
        tz: Europe/Berlin
        windows:
          - days: weekdays
            hours: 9-17`,
    );
    await setUp(h, yml);
    await register(h, '1.0.0');
    await waitState(h, 'test', '1.0.0', 'CURRENT');
    await new Promise((r) => setTimeout(r, 300));
    expect(await stateOf(h, 'prod', '1.0.0')).toBe('PENDING');
    clock.now = Date.parse('2026-11-30T07:30:00Z'); // Monday 08:30 in Berlin: still closed
    h.service.managed.wake();
    await new Promise((r) => setTimeout(r, 300));
    expect(await stateOf(h, 'prod', '1.0.0')).toBe('PENDING');
    clock.now = Date.parse('2026-11-30T08:01:00Z'); // Monday 09:01 in Berlin
    h.service.managed.wake();
    await waitState(h, 'prod', '1.0.0', 'CURRENT');
  });
});

describe('restart', () => {
  it('a restart mid-judgement loses nothing: the message is not posted again and a click after it promotes', async () => {
    const slack = await startFakeSlack({ token: BOT_TOKEN, users: { U0ALICE: { name: 'alice', email: 'alice@example.com' } } });
    const dir = mkdtempSync(join(tmpdir(), 'slackops-managed-restart-'));
    cleanups.push(async () => {
      await slack.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const first = await startHarness({ slack, dir });
    await setUp(first);
    await register(first, '1.0.0');
    await waitFor('the judgement message', () => judgementPosts(first).length === 1);
    await first.close();

    const second = await startHarness({ slack, dir });
    cleanups.push(() => second.close());
    expect(await stateOf(second, 'test', '1.0.0')).toBe('CURRENT');
    expect((await constraints(second))[0].status).toBe('PENDING');
    await clickJudgement(second, '1.0.0', 'managed:approve');
    await waitState(second, 'prod', '1.0.0', 'CURRENT');
    expect(judgementPosts(second)).toHaveLength(1);
  });
});
