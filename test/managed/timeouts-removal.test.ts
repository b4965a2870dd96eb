/**
 * No pending judgement is left behind: every judgement's timeout fires whatever holds its environment (a newer
 * pending version, a pin), and a judgement whose constraint or environment leaves the delivery config is closed,
 * its Slack buttons replaced, with the reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, type Harness } from '../support/harness.js';
import { FakeClock, SPINNAKER_YML, clickJudgement, messageFor, register, setUp, startClockHarness, waitState } from './support.js';
import { startHarness } from '../support/harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const DAY = 86_400_000;

async function judgement(h: Harness, version: string): Promise<any> {
  const res = await h.api('GET', '/managed/application/checkout/environment/prod/constraints');
  return (res.body as any[]).find((s) => s.artifactVersion === version);
}

const blocksOf = (h: Harness, version: string) => JSON.stringify(messageFor(h, version)?.blocks ?? []);

describe('judgement timeouts fire for every pending judgement', () => {
  it('times out an older judgement behind a newer pending one, and a judgement while prod is pinned', async () => {
    const clock = new FakeClock(Date.parse('2026-11-02T10:00:00Z'));
    const h = await startClockHarness(clock);
    cleanups.push(() => h.close());
    await setUp(h);
    await register(h, '1.0.0');
    await waitFor('the 1.0.0 judgement message', () => messageFor(h, '1.0.0'));
    clock.advance(DAY);
    await register(h, '1.1.0');
    await waitFor('the 1.1.0 judgement message', () => messageFor(h, '1.1.0'));
    expect((await judgement(h, '1.1.0')).status).toBe('PENDING');

    // Past 1.0.0's deadline, not 1.1.0's: 1.1.0 holds prod, but 1.0.0's timeout still fires.
    clock.advance(4 * DAY + 60_000);
    h.service.managed.wake();
    await waitFor('1.0.0 timed out', async () => (await judgement(h, '1.0.0')).status === 'FAIL', 20_000);
    expect((await judgement(h, '1.0.0')).comment).toBe('Timed out after P5D');
    expect((await judgement(h, '1.1.0')).status).toBe('PENDING');
    await waitFor('the 1.0.0 message updated', () => blocksOf(h, '1.0.0').includes('Timed out after P5D') && !blocksOf(h, '1.0.0').includes('managed:approve'), 20_000);

    // A pin holds prod; 1.1.0's timeout fires all the same.
    const pin = await h.api('POST', '/managed/application/checkout/pin', { targetEnvironment: 'prod', reference: 'api', version: '1.0.0', comment: 'freeze' }, { 'x-spinnaker-user': 'alice@example.com' });
    expect(pin.status, JSON.stringify(pin.body)).toBe(204);
    clock.advance(DAY);
    h.service.managed.wake();
    await waitFor('1.1.0 timed out while pinned', async () => (await judgement(h, '1.1.0')).status === 'FAIL', 20_000);
    await waitFor('the 1.1.0 message updated', () => !blocksOf(h, '1.1.0').includes('managed:approve'), 20_000);
  });
});

describe('judgements closed when their constraint leaves the config', () => {
  it('removing the manual-judgement closes the pending judgement and removes its buttons; the version then deploys', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    await setUp(h);
    await register(h, '1.0.0');
    await waitState(h, 'prod', '1.0.0', 'PENDING');
    await waitFor('the judgement message', () => messageFor(h, '1.0.0'));
    const without = SPINNAKER_YML.replace('      - type: manual-judgement\n        timeout: P5D\n', '');
    expect(without).not.toContain('manual-judgement');
    const res = await h.api('POST', '/managed/delivery-configs', without, { 'content-type': 'application/x-yaml' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const s = await judgement(h, '1.0.0');
    expect(s).toMatchObject({ status: 'FAIL', comment: 'constraint removed from the delivery config' });
    await waitFor('the message without buttons', () => blocksOf(h, '1.0.0').includes('constraint removed from the delivery config') && !blocksOf(h, '1.0.0').includes('managed:approve'), 20_000);
    await waitState(h, 'prod', '1.0.0', 'CURRENT');
  });

  it('removing the environment closes its pending judgement and removes its buttons; a click is refused', async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    await setUp(h);
    await register(h, '1.0.0');
    await waitState(h, 'prod', '1.0.0', 'PENDING');
    await waitFor('the judgement message', () => messageFor(h, '1.0.0'));
    const testOnly = SPINNAKER_YML.slice(0, SPINNAKER_YML.indexOf('  - name: prod'));
    const res = await h.api('POST', '/managed/delivery-configs', testOnly, { 'content-type': 'application/x-yaml' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await waitFor('the message without buttons', () => blocksOf(h, '1.0.0').includes('constraint removed from the delivery config') && !blocksOf(h, '1.0.0').includes('managed:approve'), 20_000);
    await clickJudgement(h, '1.0.0', 'managed:approve');
    await new Promise((r) => setTimeout(r, 300));
    expect(blocksOf(h, '1.0.0')).not.toContain('Approved by');
  });
});
