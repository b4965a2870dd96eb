/**
 * The state says why: each environment × version in `GET /managed/application/{app}` carries constraint summaries
 * {type, status, detail} for depends-on (waiting, failed to deploy, marked as bad upstream), allowed-times (outside
 * the window, when the next one opens), a pin and the manual judgement. A veto in test keeps the version out of
 * prod (keel's depends-on counts a vetoed version as not successfully deployed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { FakeClock, SPINNAKER_YML, clickJudgement, deployExecutions, messageFor, register, setUp, startClockHarness, stateOf, waitState } from './support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function summaries(h: Harness, env: string, version: string): Promise<Array<{ type: string; status: string; detail: string }>> {
  const res = await h.api('GET', '/managed/application/checkout');
  const e = (res.body.environments as any[]).find((x) => x.name === env);
  return (e.artifacts[0].versions as any[]).find((v) => v.version === version)?.constraintSummaries ?? [];
}

const ALICE = { 'x-spinnaker-user': 'alice@example.com' };

describe('constraint summaries', () => {
  it('say why a version waits: a failed dependency, the pending judgement, a pin', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    await setUp(h);
    await register(h, '1.0.1-bad');
    await waitState(h, 'test', '1.0.1-bad', 'SKIPPED');
    await waitFor('the failed dependency summary', async () => (await summaries(h, 'prod', '1.0.1-bad')).some((s) => s.type === 'depends-on' && s.status === 'FAIL'));
    expect(await summaries(h, 'prod', '1.0.1-bad')).toEqual([
      { type: 'depends-on', status: 'FAIL', detail: '1.0.1-bad failed to deploy to test' },
      { type: 'manual-judgement', status: 'NOT_EVALUATED', detail: 'not asked yet: asked once the other constraints pass' },
    ]);
    await register(h, '1.0.0', { createdAt: 1 });
    await waitState(h, 'prod', '1.0.0', 'PENDING');
    await waitFor('the pending judgement summary', async () => (await summaries(h, 'prod', '1.0.0')).some((s) => s.type === 'manual-judgement' && s.status === 'PENDING'));
    expect(await summaries(h, 'prod', '1.0.0')).toContainEqual({ type: 'depends-on', status: 'PASS', detail: 'deployed to test' });
    const pin = await h.api('POST', '/managed/application/checkout/pin', { targetEnvironment: 'prod', reference: 'api', version: '1.0.1-bad', comment: 'hold' }, ALICE);
    expect(pin.status).toBe(204);
    expect(await summaries(h, 'prod', '1.0.0')).toContainEqual({ type: 'pinned', status: 'PENDING', detail: 'prod is pinned to 1.0.1-bad' });
  });

  it('say when the allowed-times window opens', async () => {
    const clock = new FakeClock(Date.parse('2026-11-29T12:00:00Z')); // a Sunday
    const h = await startClockHarness(clock);
    cleanups.push(() => h.close());
    const yml = SPINNAKER_YML.replace('      - type: manual-judgement\n        timeout: P5D\n', '      - type: allowed-times\n        windows:\n          - days: mon-fri\n            hours: 9-17\n');
    await setUp(h, yml);
    await register(h, '1.0.0');
    await waitState(h, 'test', '1.0.0', 'CURRENT');
    await waitFor('the window summary', async () => (await summaries(h, 'prod', '1.0.0')).some((s) => s.type === 'allowed-times'));
    expect(await summaries(h, 'prod', '1.0.0')).toEqual([
      { type: 'depends-on', status: 'PASS', detail: 'deployed to test' },
      { type: 'allowed-times', status: 'PENDING', detail: 'outside mon-fri 9-17 UTC; next window opens 2026-11-30T09:00Z' },
    ]);
    expect(await stateOf(h, 'prod', '1.0.0')).toBe('PENDING');
  });
});

describe('a veto in test', () => {
  it('keeps the version out of prod even when approved there, and says so in the prod cell and judgement message', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    await setUp(h);
    await register(h, '1.0.0');
    await waitState(h, 'prod', '1.0.0', 'PENDING');
    await waitFor('the judgement message', () => messageFor(h, '1.0.0'));
    const veto = await h.api('POST', '/managed/application/checkout/veto', { targetEnvironment: 'test', reference: 'api', version: '1.0.0', comment: 'memory leak' }, ALICE);
    expect(veto.status).toBe(204);
    await waitFor('the prod summary', async () => (await summaries(h, 'prod', '1.0.0')).some((s) => s.type === 'depends-on' && s.status === 'FAIL'));
    expect(await summaries(h, 'prod', '1.0.0')).toContainEqual({ type: 'depends-on', status: 'FAIL', detail: '1.0.0 was marked as bad in test by alice@example.com (memory leak)' });
    await waitFor('the warning in the prod judgement message', () => JSON.stringify(messageFor(h, '1.0.0')?.blocks ?? []).includes('marked as bad in test by alice@example.com'), 15_000);
    await clickJudgement(h, '1.0.0', 'managed:approve');
    await waitFor('approved', async () => (await summaries(h, 'prod', '1.0.0')).some((s) => s.type === 'manual-judgement' && s.status === 'OVERRIDE_PASS'));
    await new Promise((r) => setTimeout(r, 500));
    expect((await deployExecutions(h)).filter((e) => e.trigger.parameters.environment === 'prod')).toHaveLength(0);
    expect(await stateOf(h, 'prod', '1.0.0')).not.toBe('CURRENT');
  });
});
