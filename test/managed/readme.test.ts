/** The README's managed delivery example is a config the service accepts, as written. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { deployPipeline } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('README: Managed delivery', () => {
  it('the spinnaker.yml example is accepted as written', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const chapter = readme.slice(readme.indexOf('## Managed delivery'));
    const yml = /```yaml\n([\s\S]*?)```/.exec(chapter)![1]!;
    expect(yml).toContain('manual-judgement');
    expect((await h.api('POST', '/pipelines', deployPipeline())).status).toBe(200);
    const res = await h.api('POST', '/managed/delivery-configs', yml, { 'content-type': 'application/x-yaml' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.environments.map((e: { name: string }) => e.name)).toEqual(['test', 'prod']);
    expect(res.body.environments[1].constraints).toHaveLength(3);
  });
});
