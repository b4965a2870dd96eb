/**
 * Pin and veto change what deploys: a pin deploys the pinned version and holds the environment there while newer
 * versions arrive; unpinning lets the newest through; marking the current version as bad rolls back to the newest
 * good one and keeps the bad one out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { deployExecutions, register, setUp, stateOf, waitState } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const ONE_ENV = `
name: checkout-delivery
application: checkout
artifacts:
  - name: checkout-api
    type: docker
    reference: api
environments:
  - name: test
    deploy:
      pipeline: Deploy
`;

describe('pin and veto', () => {
  it('pin holds an environment on a version, unpin lets the newest through, veto rolls back and keeps it out', async () => {
    await setUp(h, ONE_ENV);
    await register(h, '1.0.0');
    await waitState(h, 'test', '1.0.0', 'CURRENT');
    await register(h, '1.1.0');
    await waitState(h, 'test', '1.1.0', 'CURRENT');

    const pin = await h.api('POST', '/managed/application/checkout/pin', { targetEnvironment: 'test', reference: 'api', version: '1.0.0', comment: 'hold' }, { 'x-spinnaker-user': 'alice@example.com' });
    expect(pin.status, JSON.stringify(pin.body)).toBe(204);
    await waitState(h, 'test', '1.0.0', 'CURRENT');
    await register(h, '1.2.0');
    await new Promise((r) => setTimeout(r, 400));
    expect(await stateOf(h, 'test', '1.0.0')).toBe('CURRENT');
    expect((await deployExecutions(h)).some((e) => e.trigger.parameters.artifactVersion === '1.2.0')).toBe(false);
    const view = await h.api('GET', '/managed/application/checkout');
    expect(view.body.environments[0].artifacts[0].pinned).toMatchObject({ version: '1.0.0', by: 'alice@example.com', comment: 'hold' });

    expect((await h.api('DELETE', '/managed/application/checkout/pin/test?reference=api')).status).toBe(204);
    await waitState(h, 'test', '1.2.0', 'CURRENT');
    expect((await h.api('DELETE', '/managed/application/checkout/pin/test?reference=api')).status).toBe(404);

    const veto = await h.api('POST', '/managed/application/checkout/veto', { targetEnvironment: 'test', reference: 'api', version: '1.2.0', comment: 'memory leak' });
    expect(veto.status).toBe(204);
    await waitState(h, 'test', '1.1.0', 'CURRENT');
    await waitFor('1.2.0 VETOED', async () => (await stateOf(h, 'test', '1.2.0')) === 'VETOED');
    await new Promise((r) => setTimeout(r, 300));
    expect((await deployExecutions(h)).filter((e) => e.trigger.parameters.artifactVersion === '1.2.0')).toHaveLength(1);

    const bad = await h.api('POST', '/managed/application/checkout/veto', { targetEnvironment: 'nope', version: '1.2.0' });
    expect(bad.status).toBe(404);
    const unknown = await h.api('POST', '/managed/application/checkout/pin', { targetEnvironment: 'test', version: '9.9.9' });
    expect(unknown.status).toBe(404);
    const shape = await h.api('POST', '/managed/application/checkout/pin', { version: '1.0.0' });
    expect(shape.status).toBe(400);
    expect(shape.body.issues[0].path).toBe('body.targetEnvironment');
  });
});
