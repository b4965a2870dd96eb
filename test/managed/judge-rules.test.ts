/**
 * Who may judge a manual-judgement and how many decisions count: the constraint's `roles` (extension) refuse other
 * judges from the API (403) and from Slack (told, nothing changes); an API judgement and a Slack click at the same
 * moment leave exactly one decision.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { SPINNAKER_YML, clickJudgement, judgementPosts, register, setUp, waitState } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ config: { authz: { roles: { 'release-managers': ['carol@example.com'] } } } });
});
afterEach(async () => {
  await h.close();
});

const judge = (user: string, status: string, version = '1.0.0') =>
  h.api('POST', '/managed/application/checkout/environment/prod/constraint', { type: 'manual-judgement', artifactVersion: version, artifactReference: 'api', status }, { 'x-spinnaker-user': user });

describe('manual-judgement rules', () => {
  it('only holders of the constraint roles may judge, from the API or Slack', async () => {
    await setUp(h, SPINNAKER_YML.replace('timeout: P5D', 'timeout: P5D\n        roles: [release-managers]'));
    await register(h, '1.0.0');
    await waitFor('the judgement message', () => judgementPosts(h).length === 1);
    const bob = await judge('bob@example.com', 'OVERRIDE_PASS');
    expect(bob.status).toBe(403);
    expect(bob.body.message).toContain('needs one of the roles release-managers');
    await clickJudgement(h, '1.0.0', 'managed:approve');
    await waitFor('alice told', () => h.slack.responses.some((r) => String(r.body.text).includes('alice@example.com may not judge prod')));
    const states = (await h.api('GET', '/managed/application/checkout/environment/prod/constraints')).body;
    expect(states[0].status).toBe('PENDING');
    expect((await judge('carol@example.com', 'OVERRIDE_PASS')).status).toBe(200);
    await waitState(h, 'prod', '1.0.0', 'CURRENT');
    // bad bodies name the field
    const bad = await h.api('POST', '/managed/application/checkout/environment/prod/constraint', { type: 'manual-judgement', artifactVersion: '1.0.0', status: 'PASS' });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('body.status');
    expect((await judge('carol@example.com', 'OVERRIDE_PASS', '9.9.9')).status).toBe(404);
  });

  it('an API judgement and a Slack click at once: one decision stands', async () => {
    await setUp(h);
    await register(h, '1.0.0');
    await waitFor('the judgement message', () => judgementPosts(h).length === 1);
    const [api] = await Promise.all([judge('bob@example.com', 'OVERRIDE_FAIL'), clickJudgement(h, '1.0.0', 'managed:approve')]);
    const final = await waitFor('a decision', async () => {
      const s = (await h.api('GET', '/managed/application/checkout/environment/prod/constraints')).body[0];
      return s.status !== 'PENDING' ? s : null;
    });
    await new Promise((r) => setTimeout(r, 500));
    const again = (await h.api('GET', '/managed/application/checkout/environment/prod/constraints')).body[0];
    expect(again).toEqual(final);
    if (api.status === 200) {
      expect(final).toMatchObject({ status: 'OVERRIDE_FAIL', judgedBy: 'bob@example.com' });
      await waitFor('alice told', () => h.slack.responses.some((r) => String(r.body.text).includes('Already rejected by bob@example.com')));
    } else {
      expect(api.status).toBe(409);
      expect(final).toMatchObject({ status: 'OVERRIDE_PASS', judgedBy: 'alice@example.com' });
      expect(api.body.message).toContain('already judged OVERRIDE_PASS by alice@example.com');
    }
  });
});
