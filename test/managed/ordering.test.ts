/**
 * Version ordering is a release-safety rule: versions are promoted by their artifact's ordering (npm semver, docker
 * tagVersionStrategy), never by registration time, and versions that the ordering cannot place are refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { deployExecutions, register, setUp, stateOf, waitState } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const oneEnv = (type: string, extra = '') => `
name: checkout-delivery
application: checkout
artifacts:
  - name: checkout-api
    type: ${type}
    reference: api
${extra}
environments:
  - name: test
    deploy:
      pipeline: Deploy
`;

const versionsApi = '/managed/application/checkout/artifacts/api/versions';

describe('version ordering', () => {
  it('npm: a late-registered 1.9.0 does not deploy over 2.1.0; a non-semver npm version is refused', async () => {
    await setUp(h, oneEnv('npm'));
    await register(h, '2.1.0');
    await waitState(h, 'test', '2.1.0', 'CURRENT');
    await register(h, '1.9.0');
    await new Promise((r) => setTimeout(r, 500));
    expect(await stateOf(h, 'test', '2.1.0')).toBe('CURRENT');
    expect(await stateOf(h, 'test', '1.9.0')).toBe('SKIPPED');
    expect((await deployExecutions(h)).some((e) => e.trigger.parameters.artifactVersion === '1.9.0')).toBe(false);
    const bad = await h.api('POST', versionsApi, { version: 'nightly' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('body.version');
    expect(bad.body.message).toContain('not a semantic version');
  });

  it('docker semver-tag (default): a non-semver tag is refused naming the strategy, and a hotfix 1.1.1 does not deploy over v1.3.0', async () => {
    await setUp(h, oneEnv('docker'));
    await register(h, 'v1.3.0');
    await waitState(h, 'test', 'v1.3.0', 'CURRENT');
    const tag = await h.api('POST', versionsApi, { version: 'build-77' });
    expect(tag.status).toBe(400);
    expect(tag.body.message).toContain('tagVersionStrategy semver-tag');
    await register(h, '1.1.1');
    await new Promise((r) => setTimeout(r, 500));
    expect(await stateOf(h, 'test', 'v1.3.0')).toBe('CURRENT');
    expect((await deployExecutions(h)).some((e) => e.trigger.parameters.artifactVersion === '1.1.1')).toBe(false);
    const view = await h.api('GET', '/managed/delivery-configs/checkout-delivery');
    expect(view.body.artifacts[0].tagVersionStrategy).toBe('semver-tag');
  });

  it('docker increasing-tag: numeric order, not string or time order; other tags refused', async () => {
    await setUp(h, oneEnv('docker', '    tagVersionStrategy: increasing-tag'));
    await register(h, '100');
    await waitState(h, 'test', '100', 'CURRENT');
    await register(h, '99');
    await new Promise((r) => setTimeout(r, 500));
    expect(await stateOf(h, 'test', '100')).toBe('CURRENT');
    await register(h, '101');
    await waitState(h, 'test', '101', 'CURRENT');
    const tag = await h.api('POST', versionsApi, { version: '1.2.3' });
    expect(tag.status).toBe(400);
    expect(tag.body.message).toContain('tagVersionStrategy increasing-tag');
  });

  it('refuses an unknown tagVersionStrategy, and one on a non-docker artifact', async () => {
    expect((await h.api('POST', '/pipelines', (await import('./support.js')).deployPipeline())).status).toBe(200);
    const unknown = await h.api('POST', '/managed/delivery-configs', oneEnv('docker', '    tagVersionStrategy: newest'), { 'content-type': 'application/x-yaml' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.issues[0].path).toBe('artifacts[0].tagVersionStrategy');
    const npm = await h.api('POST', '/managed/delivery-configs', oneEnv('npm', '    tagVersionStrategy: semver-tag'), { 'content-type': 'application/x-yaml' });
    expect(npm.status).toBe(400);
    expect(npm.body.issues[0].path).toBe('artifacts[0].tagVersionStrategy');
  });
});
