/**
 * A delivery config's problems are listed all at once (shape errors, duplicates, unknown deploy pipelines), a zero
 * judgement timeout is refused, a text/plain body is told which YAML types are accepted, and a pipeline that a
 * delivery config deploys with cannot be deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { SPINNAKER_YML, deployPipeline } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  expect((await h.api('POST', '/pipelines', deployPipeline())).status).toBe(200);
});
afterAll(async () => {
  await h.close();
});

const post = (body: unknown) => h.api('POST', '/managed/delivery-configs', body);

describe('delivery config validation lists every problem', () => {
  it('reports a shape error, a duplicate environment and an unknown deploy pipeline together', async () => {
    const res = await post({
      name: 'checkout-delivery',
      application: 'checkout',
      artifacts: [{ name: 'checkout-api', type: 'rpm' }],
      environments: [
        { name: 'test', deploy: { pipeline: 'Nope' } },
        { name: 'test', deploy: { pipeline: 'Deploy' } },
      ],
    });
    expect(res.status).toBe(400);
    const paths = (res.body.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['artifacts[0].type', 'environments[1].name', 'environments[0].deploy.pipeline']));
    // A config whose only problems are semantic gets the unknown pipeline listed too.
    const dup = await post({ name: 'checkout-delivery', application: 'checkout', artifacts: [{ name: 'a', type: 'docker' }], environments: [{ name: 'x', deploy: { pipeline: 'Nope' } }, { name: 'x' }] });
    expect(dup.status).toBe(400);
    expect((dup.body.issues as Array<{ path: string }>).map((i) => i.path)).toEqual(expect.arrayContaining(['environments[1].name', 'environments[0].deploy.pipeline']));
  });

  it('refuses timeout PT0S naming the field', async () => {
    const res = await h.api('POST', '/managed/delivery-configs', SPINNAKER_YML.replace('timeout: P5D', 'timeout: PT0S'), { 'content-type': 'application/x-yaml' });
    expect(res.status).toBe(400);
    expect(res.body.issues[0]).toMatchObject({ path: 'environments[1].constraints[1].timeout' });
    expect(res.body.issues[0].message).toContain('positive duration');
  });

  it('answers a text/plain body with 415 naming the YAML types', async () => {
    const res = await h.api('POST', '/managed/delivery-configs', SPINNAKER_YML, { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.body.message).toContain('application/x-yaml');
  });
});

describe('deleting a pipeline a delivery config deploys with', () => {
  it('is refused with 409 naming the delivery config; allowed once the config no longer uses it', async () => {
    expect((await h.api('POST', '/pipelines', deployPipeline('Deploy2'))).status).toBe(200);
    const yml = SPINNAKER_YML.replace(/pipeline: Deploy\n/g, 'pipeline: Deploy2\n');
    expect((await h.api('POST', '/managed/delivery-configs', yml, { 'content-type': 'application/x-yaml' })).status).toBe(200);
    const del = await h.api('DELETE', '/pipelines/checkout/Deploy2');
    expect(del.status).toBe(409);
    expect(del.body.message).toContain('checkout-delivery');
    expect((await h.api('POST', '/managed/delivery-configs', SPINNAKER_YML, { 'content-type': 'application/x-yaml' })).status).toBe(200);
    expect((await h.api('DELETE', '/pipelines/checkout/Deploy2')).status).toBeLessThan(300);
  });
});
