/**
 * The judgement message tells the truth while it waits: a pin placed (or removed) after the message was posted, or
 * the version marked as bad, re-renders the posted message in place (chat.update, no new post) — it reads as a
 * message posted after the change would (so does a deploy finishing there: the current version it names); the
 * buttons stay until someone decides.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { clickJudgement, judgementPosts, messageFor, register, setUp, waitState } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const ALICE = { 'x-spinnaker-user': 'alice@example.com' };

function blocksOf(version: string): string {
  return JSON.stringify(messageFor(h, version)?.blocks ?? []);
}

describe('judgement message re-rendered on pin, unpin and veto', () => {
  it('shows and drops the pinned-version warning, then the marked-as-bad warning, on the one posted message', async () => {
    await setUp(h);
    await register(h, '1.0.0');
    await waitState(h, 'prod', '1.0.0', 'PENDING');
    await clickJudgement(h, '1.0.0', 'managed:approve');
    await waitState(h, 'prod', '1.0.0', 'CURRENT');

    await register(h, '0.9.0'); // older than test's current one: stays out of test
    await register(h, '1.1.0');
    await waitState(h, 'prod', '1.1.0', 'PENDING');
    await waitFor('the 1.1.0 judgement message', () => messageFor(h, '1.1.0'));
    expect(blocksOf('1.1.0')).not.toContain('is pinned to');
    expect(blocksOf('1.1.0')).toContain('1 version (current: 1.0.0)');
    const before = messageFor(h, '1.1.0')!.updates;

    const pin = await h.api('POST', '/managed/application/checkout/pin', { targetEnvironment: 'prod', reference: 'api', version: '0.9.0', comment: 'freeze' }, ALICE);
    expect(pin.status, JSON.stringify(pin.body)).toBe(204);
    await waitFor('the pinned warning in the posted message', () => blocksOf('1.1.0').includes('prod is pinned to 0.9.0 by alice@example.com (freeze)'), 15_000);
    expect(messageFor(h, '1.1.0')!.updates).toBeGreaterThan(before);
    expect(blocksOf('1.1.0')).toContain('managed:approve'); // still awaiting: the buttons stay
    // The pinned version deploys; the message then says it is the current one.
    await waitState(h, 'prod', '0.9.0', 'CURRENT');
    await waitFor('the new current version in the message', () => blocksOf('1.1.0').includes('2 versions (current: 0.9.0)'), 15_000);

    expect((await h.api('DELETE', '/managed/application/checkout/pin/prod?reference=api', undefined, ALICE)).status).toBe(204);
    await waitFor('the pinned warning gone', () => !blocksOf('1.1.0').includes('is pinned to'), 15_000);
    expect(blocksOf('1.1.0')).toContain('managed:approve');

    const veto = await h.api('POST', '/managed/application/checkout/veto', { targetEnvironment: 'prod', reference: 'api', version: '1.1.0', comment: 'memory leak' }, ALICE);
    expect(veto.status).toBe(204);
    await waitFor('the marked-as-bad warning', () => blocksOf('1.1.0').includes('marked as bad in prod by alice@example.com (memory leak)'), 15_000);

    // Judged afterwards: the outcome replaces the buttons, and the message was never posted twice.
    const judged = await h.api('POST', '/managed/application/checkout/environment/prod/constraint', { type: 'manual-judgement', artifactVersion: '1.1.0', artifactReference: 'api', status: 'OVERRIDE_FAIL', comment: 'vetoed anyway' }, ALICE);
    expect(judged.status, JSON.stringify(judged.body)).toBe(200);
    await waitFor('the outcome in the message', () => blocksOf('1.1.0').includes('Rejected by alice@example.com') && !blocksOf('1.1.0').includes('managed:approve'), 15_000);
    expect(judgementPosts(h).filter((c) => JSON.stringify(c.args.blocks).includes('version *1.1.0*'))).toHaveLength(1);
  });
});
