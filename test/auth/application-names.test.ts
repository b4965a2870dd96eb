/**
 * One application-name rule for POST /pipelines and PUT /applications (Spinnaker's): letters, digits, . _ -,
 * case-insensitive and kept lower-cased; `checkout ` (trailing space), `my app`, `chéckout` are refused with 400
 * naming `application`, `CHECKOUT` is the application `checkout`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgmentPipeline, startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false });
});
afterAll(async () => h?.close());

describe('application names', () => {
  it.each(['checkout ', 'my app', 'chéckout', '-checkout', 'a/b'])('refuses %j at POST /pipelines and PUT /applications', async (name) => {
    const saved = await h.api('POST', '/pipelines', judgmentPipeline({ application: name }));
    expect(saved.status, JSON.stringify(saved.body)).toBe(400);
    expect(JSON.stringify(saved.body)).toMatch(/"path":"application"/);
    const put = await h.api('PUT', `/applications/${encodeURIComponent(name)}`, { description: 'x' });
    expect(put.status).toBe(400);
  });
  it('lower-cases CHECKOUT into the one application checkout', async () => {
    expect((await h.api('POST', '/pipelines', judgmentPipeline({ application: 'CHECKOUT' }))).status).toBe(200);
    const configs = await h.api('GET', '/applications/checkout/pipelineConfigs');
    expect(configs.body.map((p: any) => p.application)).toEqual(['checkout']);
    const apps = await h.api('GET', '/applications');
    expect(JSON.stringify(apps.body)).not.toContain('CHECKOUT');
  });
});
