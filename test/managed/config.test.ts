/**
 * Delivery configs and versions over HTTP: YAML and JSON bodies, validation errors naming the path (no such
 * environment, depends-on cycles, durations, time windows, deploy pipelines), reading a config back, idempotent
 * version registration; and the pure rules behind them (version ordering, keel's day/hour syntax, ISO durations).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { SPINNAKER_YML, deployPipeline, register } from './support.js';
import { sortNewestFirst } from '../../src/managed/ordering.js';
import { inAllowedTimes, parseHours } from '../../src/managed/allowed-times.js';
import { parseIsoDuration } from '../../src/managed/duration.js';
import type { ArtifactVersion } from '../../src/managed/model.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  expect((await h.api('POST', '/pipelines', deployPipeline())).status).toBe(200);
});
afterAll(async () => {
  await h.close();
});

const yaml = (body: string) => h.api('POST', '/managed/delivery-configs', body, { 'content-type': 'application/x-yaml' });

function config(overrides: Record<string, unknown> = {}) {
  return {
    name: 'checkout-delivery',
    application: 'checkout',
    artifacts: [{ name: 'checkout-api', type: 'docker', reference: 'api' }],
    environments: [
      { name: 'test', deploy: { pipeline: 'Deploy' } },
      { name: 'prod', constraints: [{ type: 'depends-on', environment: 'test' }, { type: 'manual-judgement', timeout: 'P5D' }], deploy: { pipeline: 'Deploy' } },
    ],
    ...overrides,
  };
}

describe('POST /managed/delivery-configs', () => {
  it('takes YAML (spinnaker.yml) and JSON, and reads back the stored config with defaults filled in', async () => {
    const res = await yaml(SPINNAKER_YML);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const got = await h.api('GET', '/managed/delivery-configs/checkout-delivery');
    expect(got.status).toBe(200);
    expect(got.body.environments[1]).toEqual({
      name: 'prod',
      constraints: [{ type: 'depends-on', environment: 'test' }, { type: 'manual-judgement', timeout: 'P5D' }],
      notifications: [{ type: 'slack', address: 'deploys', frequency: 'normal' }],
      deploy: { pipeline: 'Deploy', parameters: { region: 'us-east-1' } },
    });
    const json = await h.api('POST', '/managed/delivery-configs', config());
    expect(json.status).toBe(200);
    expect((await h.api('GET', '/managed/delivery-configs/checkout-delivery')).body.environments[1].notifications).toEqual([]);
    expect((await h.api('GET', '/managed/delivery-configs/nope')).status).toBe(404);
  });

  it('names the path of every problem', async () => {
    const bad = config({
      environments: [
        { name: 'test', deploy: { pipeline: 'Deploy' } },
        { name: 'prod', constraints: [{ type: 'depends-on', environment: 'staging' }, { type: 'manual-judgement', timeout: '5 days' }] },
        { name: 'eu', constraints: [{ type: 'allowed-times', windows: [{ days: 'mon-fry', hours: '9-25' }], tz: 'Mars/Olympus' }], deploy: { pipeline: 'Nope' } },
      ],
    });
    const res = await h.api('POST', '/managed/delivery-configs', bad);
    expect(res.status).toBe(400);
    const paths = Object.fromEntries((res.body.issues as any[]).map((i) => [i.path, i.message]));
    expect(paths['environments[1].constraints[0].environment']).toBe('no such environment');
    expect(paths['environments[1].constraints[1].timeout']).toContain('not an ISO-8601 duration');
    expect(paths['environments[2].constraints[0].windows[0].days']).toContain('mon-fry');
    expect(paths['environments[2].constraints[0].windows[0].hours']).toContain('9-25');
    expect(paths['environments[2].constraints[0].tz']).toContain('not a known time zone');
    expect(res.body.message).toContain('environments[1].constraints[0].environment: no such environment');

    const shape = await h.api('POST', '/managed/delivery-configs', { name: 'x', application: 'checkout', artifacts: [{ name: 'a', type: 'rpm' }], environments: [{ name: 'test', constraints: [{ type: 'pipeline' }] }] });
    expect(shape.status).toBe(400);
    const shapePaths = (shape.body.issues as any[]).map((i) => i.path);
    expect(shapePaths).toContain('artifacts[0].type');
    expect(shapePaths).toContain('environments[0].constraints[0].type');

    const pipeline = await h.api('POST', '/managed/delivery-configs', config({ environments: [{ name: 'test', deploy: { pipeline: 'Nope' } }] }));
    expect(pipeline.status).toBe(400);
    expect(pipeline.body.issues).toEqual([{ path: 'environments[0].deploy.pipeline', message: 'no pipeline "Nope" in application checkout' }]);
  });

  it('refuses depends-on cycles, naming the cycle', async () => {
    const res = await h.api(
      'POST',
      '/managed/delivery-configs',
      config({
        environments: [
          { name: 'test', constraints: [{ type: 'depends-on', environment: 'prod' }] },
          { name: 'staging', constraints: [{ type: 'depends-on', environment: 'test' }] },
          { name: 'prod', constraints: [{ type: 'depends-on', environment: 'staging' }] },
        ],
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'environments[0].constraints[0].environment', message: 'depends-on cycle: test → prod → staging → test' }]);
  });

  it('refuses YAML that does not parse, other content types, and a second config for the application', async () => {
    const broken = await yaml('name: [unclosed');
    expect(broken.status).toBe(400);
    expect(broken.body.issues[0].path).toBe('body');
    const text = await h.api('POST', '/managed/delivery-configs', 'name: x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    // YAML only on this route
    const elsewhere = await h.api('POST', '/pipelines', 'name: x', { 'content-type': 'application/x-yaml' });
    expect(elsewhere.status).toBe(415);
    const other = await h.api('POST', '/managed/delivery-configs', config({ name: 'other-name' }));
    expect(other.status).toBe(409);
    expect(other.body.message).toContain('checkout-delivery');
  });
});

describe('POST /managed/application/{app}/artifacts/{reference}/versions', () => {
  it('registers a version once (201, then 200), and refuses unknown references and bad bodies', async () => {
    expect((await h.api('POST', '/managed/delivery-configs', config())).status).toBe(200);
    const first = await register(h, '3.0.0');
    expect(first.status).toBe(201);
    const again = await register(h, '3.0.0', { gitMetadata: { commit: 'other' } });
    expect(again.status).toBe(200);
    expect(again.body.gitMetadata.commit).toBe(first.body.gitMetadata.commit);
    const unknown = await h.api('POST', '/managed/application/checkout/artifacts/web/versions', { version: '1' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toContain('no artifact with reference web');
    const noConfig = await h.api('POST', '/managed/application/nope/artifacts/api/versions', { version: '1' });
    expect(noConfig.status).toBe(404);
    const bad = await h.api('POST', '/managed/application/checkout/artifacts/api/versions', { version: 7 });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('body.version');
  });
});

describe('rules', () => {
  const v = (version: string, createdAt: number): ArtifactVersion => ({ application: 'a', reference: 'r', version, createdAt, gitMetadata: null, buildMetadata: null });

  it('orders versions by their artifact rule, never by registration time', () => {
    const tags = [v('1.10.0', 1), v('1.2.0', 3), v('v2.0.0-rc.1', 2), v('2.0.0', 0), v('2.0.0-rc.10', 5), v('2.0.0-rc.2', 4)];
    expect(sortNewestFirst({ type: 'docker' }, tags).map((x) => x.version)).toEqual(['2.0.0', '2.0.0-rc.10', '2.0.0-rc.2', 'v2.0.0-rc.1', '1.10.0', '1.2.0']);
    // A tag stored before the rules (not semver) sorts after every semver tag and does not re-sort them.
    expect(sortNewestFirst({ type: 'docker' }, [v('latest', 9), v('1.3.0', 1), v('1.1.1', 2)]).map((x) => x.version)).toEqual(['1.3.0', '1.1.1', 'latest']);
    expect(sortNewestFirst({ type: 'docker', tagVersionStrategy: 'increasing-tag' }, [v('9', 2), v('77', 1), v('100', 0)]).map((x) => x.version)).toEqual(['100', '77', '9']);
    expect(sortNewestFirst({ type: 'npm' }, [v('2.1.0', 1), v('1.9.0', 2)]).map((x) => x.version)).toEqual(['2.1.0', '1.9.0']);
    // Debian: 1.10 > 1.2, ~ before the release, epoch first, then revision.
    expect(sortNewestFirst({ type: 'deb' }, [v('1.10.0', 1), v('1.2.0', 3)]).map((x) => x.version)).toEqual(['1.10.0', '1.2.0']);
    expect(sortNewestFirst({ type: 'deb' }, [v('1.0~rc1-1', 3), v('1.0-1', 1), v('1:0.9-1', 0), v('1.0-2', 2)]).map((x) => x.version)).toEqual(['1:0.9-1', '1.0-2', '1.0-1', '1.0~rc1-1']);
  });

  it("reads keel's hours, wrapping midnight, and days in a time zone", () => {
    expect([...parseHours('22-2')].sort((a, b) => a - b)).toEqual([0, 1, 2, 22, 23]);
    const windows = [{ days: 'mon-fri', hours: '22-2' }];
    expect(inAllowedTimes(windows, 'UTC', Date.parse('2026-11-30T23:30:00Z'))).toBe(true); // Monday 23:30
    expect(inAllowedTimes(windows, 'UTC', Date.parse('2026-11-30T03:00:00Z'))).toBe(false);
    expect(inAllowedTimes(windows, 'UTC', Date.parse('2026-11-29T23:30:00Z'))).toBe(false); // Sunday
    expect(inAllowedTimes([{ days: 'weekends' }], 'America/Los_Angeles', Date.parse('2026-11-30T05:00:00Z'))).toBe(true); // Sunday 21:00 in LA
    expect(inAllowedTimes([{ days: 'sat,sunday', hours: '10' }], 'UTC', Date.parse('2026-11-28T10:59:00Z'))).toBe(true);
  });

  it('parses ISO-8601 durations', () => {
    expect(parseIsoDuration('P5D')).toBe(5 * 86_400_000);
    expect(parseIsoDuration('PT1H30M')).toBe(90 * 60_000);
    expect(parseIsoDuration('P1W')).toBe(7 * 86_400_000);
    expect(parseIsoDuration('PT0.5S')).toBe(500);
    for (const bad of ['P', 'PT', '5 days', 'P1M', 'P1Y', 'PT1H2']) expect(parseIsoDuration(bad)).toBeNull();
  });
});
