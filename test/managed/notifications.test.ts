/**
 * The other managed delivery notifications, by keel's frequencies: quiet gets failures, pins and vetoes; normal
 * adds deployments that succeeded and config changes; verbose adds judgements approved/rejected. Every frequency
 * gets the judgement message.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { clickJudgement, judgementPosts, register, setUp, waitState } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const YML = `
name: checkout-delivery
application: checkout
artifacts:
  - name: checkout-api
    type: docker
    reference: api
environments:
  - name: test
    notifications:
      - { type: slack, address: "#test-quiet", frequency: quiet }
      - { type: slack, address: "#test-verbose", frequency: verbose }
    deploy: { pipeline: Deploy }
  - name: prod
    constraints:
      - { type: depends-on, environment: test }
      - { type: manual-judgement }
    notifications:
      - { type: slack, address: "#deploys", frequency: normal }
      - { type: slack, address: "#prod-verbose", frequency: verbose }
    deploy: { pipeline: Deploy }
`;

/** Plain texts of the top-level messages posted to `channel` that are not judgement messages. */
function notices(channel: string): string[] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === channel && !JSON.stringify(c.args.blocks ?? []).includes('managed:approve'))
    .map((c) => String(c.args.text));
}

describe('managed delivery notifications by frequency', () => {
  it("follows keel's frequency mapping", async () => {
    await setUp(h, YML);
    await register(h, '1.0.0');
    await waitState(h, 'test', '1.0.0', 'CURRENT');
    await waitFor('deployed notice (verbose)', () => notices('test-verbose').some((t) => t.includes('version 1.0.0 of api deployed to test')));
    await waitFor('the judgement message on both prod channels', () => judgementPosts(h, 'deploys').length === 1 && judgementPosts(h, 'prod-verbose').length === 1);
    await clickJudgement(h, '1.0.0', 'managed:approve');
    await waitState(h, 'prod', '1.0.0', 'CURRENT');
    await waitFor('approved notice (verbose)', () => notices('prod-verbose').some((t) => t.includes('version 1.0.0 of api approved in prod')));
    await waitFor('deployed notice (normal)', () => notices('deploys').some((t) => t.includes('deployed to prod')));

    await register(h, '1.0.1-bad');
    await waitFor('failed notice (quiet)', () => notices('test-quiet').some((t) => t.includes('version 1.0.1-bad of api failed to deploy to test')));
    const pin = await h.api('POST', '/managed/application/checkout/pin', { targetEnvironment: 'test', version: '1.0.0', comment: 'freeze' }, { 'x-spinnaker-user': 'alice@example.com' });
    expect(pin.status).toBe(204);
    await waitFor('pinned notice (quiet)', () => notices('test-quiet').some((t) => t.includes('version 1.0.0 of api pinned in test')));
    expect((await h.api('POST', '/managed/delivery-configs', YML.replace('frequency: normal', 'frequency: verbose'), { 'content-type': 'application/x-yaml' })).status).toBe(200);
    await waitFor('config changed notice (verbose)', () => notices('test-verbose').some((t) => t.includes('delivery config changed')));
    await new Promise((r) => setTimeout(r, 300));

    // quiet: no successes, approvals or config changes
    expect(notices('test-quiet').filter((t) => /deployed to|approved|config changed/.test(t))).toEqual([]);
    // normal: no approvals
    expect(notices('deploys').filter((t) => /approved/.test(t))).toEqual([]);
    // each event once per channel
    expect(notices('test-verbose').filter((t) => t.includes('1.0.0 of api deployed to test'))).toHaveLength(1);
  });
});
