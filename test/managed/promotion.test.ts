/**
 * Managed delivery end to end through the real service and the fake Slack: a version registered → deployed to
 * test by the deploy pipeline → awaits judgement for prod (message posted once) → approved from Slack → prod deploy
 * pipeline ran with that version → CURRENT; a newer version rejected from Slack leaves prod on the old one with
 * OVERRIDE_FAIL; a judgement from the API updates the Slack message; a failed deploy leaves the previous version.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { clickJudgement, deployExecutions, judgementPosts, messageFor, register, setUp, stateOf, waitState } from './support.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

function buttons(blocks: any[]): any[] {
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements);
}

describe('managed delivery: promotion with a manual judgement from Slack', () => {
  it('deploys to test, asks prod once, promotes on Approve, keeps prod on a rejected newer version', async () => {
    await setUp(h);
    await register(h, '1.0.0');
    await waitState(h, 'test', '1.0.0', 'CURRENT');
    const testDeploy = (await deployExecutions(h)).at(-1);
    expect(testDeploy.status).toBe('SUCCEEDED');
    expect(testDeploy.trigger.parameters).toMatchObject({ artifactVersion: '1.0.0', artifactReference: 'api', environment: 'test' });

    // prod waits for a judgement: one message with the version's details and confirmable buttons
    await waitFor('the prod judgement message', () => judgementPosts(h).length === 1);
    expect(await stateOf(h, 'prod', '1.0.0')).toBe('PENDING');
    const post = judgementPosts(h)[0]!;
    const text = JSON.stringify(post.args.blocks);
    for (const s of ['checkout', 'checkout-api', '1.0.0', 'prod', 'abc100def012', 'dana', 'Release 1.0.0', 'main', 'pull/42', 'ci.example.com/job/checkout/17', 'https://slackops.example.com/#/applications/checkout/environments', 'P5D']) {
      expect(text).toContain(s);
    }
    const [approve, reject] = buttons(post.args.blocks as any[]);
    expect(approve.text.text).toBe('Approve');
    expect(approve.style).toBe('primary');
    expect(approve.confirm.text.text).toContain('Are you sure you want to promote version 1.0.0');
    expect(reject.text.text).toBe('Reject');
    expect(reject.style).toBe('danger');
    expect(reject.confirm).toBeTruthy();
    const constraints = await h.api('GET', '/managed/application/checkout/environment/prod/constraints');
    expect(constraints.body).toEqual([expect.objectContaining({ type: 'manual-judgement', artifactVersion: '1.0.0', artifactReference: 'api', status: 'PENDING', judgedBy: null })]);

    await clickJudgement(h, '1.0.0', 'managed:approve');
    await waitState(h, 'prod', '1.0.0', 'CURRENT');
    const prodDeploy = (await deployExecutions(h)).find((e) => e.trigger.parameters.environment === 'prod');
    expect(prodDeploy.status).toBe('SUCCEEDED');
    expect(prodDeploy.trigger.parameters).toMatchObject({ artifactVersion: '1.0.0', artifactReference: 'api', environment: 'prod', region: 'us-east-1' });
    const approved = (await h.api('GET', '/managed/application/checkout/environment/prod/constraints')).body[0];
    expect(approved).toMatchObject({ status: 'OVERRIDE_PASS', judgedBy: 'alice@example.com' });
    // the message now says who approved, without buttons
    await waitFor('the message replaced by the outcome', () => h.slack.callsTo('chat.update').length === 1);
    const updated = messageFor(h, '1.0.0')!;
    expect(buttons(updated.blocks as any[])).toHaveLength(0);
    expect(JSON.stringify(updated.blocks)).toContain('Approved by <@U0ALICE>');
    expect(judgementPosts(h)).toHaveLength(1);

    // a second click (bob, late) changes nothing and is told who decided
    await clickJudgement(h, '1.0.0', 'managed:reject', { id: 'U0BOB', name: 'bob' });
    await waitFor('the late clicker told', () => h.slack.responses.some((r) => String(r.body.text).includes('Already approved by alice@example.com')));
    expect((await h.api('GET', '/managed/application/checkout/environment/prod/constraints')).body[0].status).toBe('OVERRIDE_PASS');

    // a newer version: test gets it, prod asks again; rejected from Slack, prod stays on 1.0.0
    await register(h, '1.1.0');
    await waitState(h, 'test', '1.1.0', 'CURRENT');
    expect(await stateOf(h, 'test', '1.0.0')).toBe('PREVIOUS');
    await waitFor('the second judgement message', () => judgementPosts(h).length === 2);
    await clickJudgement(h, '1.1.0', 'managed:reject', { id: 'U0BOB', name: 'bob' });
    await waitFor('1.1.0 rejected', async () => (await h.api('GET', '/managed/application/checkout/environment/prod/constraints')).body.find((s: any) => s.artifactVersion === '1.1.0')?.status === 'OVERRIDE_FAIL');
    const rejected = (await h.api('GET', '/managed/application/checkout/environment/prod/constraints')).body.find((s: any) => s.artifactVersion === '1.1.0');
    expect(rejected).toMatchObject({ status: 'OVERRIDE_FAIL', judgedBy: 'bob@example.com' });
    await waitFor('the rejection shown', () => JSON.stringify(messageFor(h, '1.1.0')?.blocks ?? []).includes('Rejected by <@U0BOB>'));
    await new Promise((r) => setTimeout(r, 300));
    expect(await stateOf(h, 'prod', '1.0.0')).toBe('CURRENT');
    expect(await stateOf(h, 'prod', '1.1.0')).toBe('SKIPPED');
    expect((await deployExecutions(h)).filter((e) => e.trigger.parameters.environment === 'prod')).toHaveLength(1);
  });

  it('a judgement through the API updates the Slack message; a second decision is a 409 naming who decided', async () => {
    await setUp(h);
    await register(h, '2.0.0');
    await waitFor('the prod judgement message', () => judgementPosts(h).length === 1);
    const body = { type: 'manual-judgement', artifactVersion: '2.0.0', artifactReference: 'api', status: 'OVERRIDE_PASS', comment: 'looks good' };
    const res = await h.api('POST', '/managed/application/checkout/environment/prod/constraint', body, { 'x-spinnaker-user': 'carol@example.com' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'OVERRIDE_PASS', judgedBy: 'carol@example.com', comment: 'looks good' });
    await waitState(h, 'prod', '2.0.0', 'CURRENT');
    await waitFor('the message shows the API decision', () => JSON.stringify(messageFor(h, '2.0.0')?.blocks ?? []).includes('Approved by carol@example.com'));
    expect(buttons(messageFor(h, '2.0.0')!.blocks as any[])).toHaveLength(0);
    const again = await h.api('POST', '/managed/application/checkout/environment/prod/constraint', { ...body, status: 'OVERRIDE_FAIL' }, { 'x-spinnaker-user': 'bob@example.com' });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('already judged OVERRIDE_PASS by carol@example.com');
  });

  it('a failed deploy leaves the previous version current and is not retried', async () => {
    await setUp(h);
    await register(h, '1.0.0');
    await waitState(h, 'test', '1.0.0', 'CURRENT');
    await register(h, '1.0.1-bad');
    await waitFor('the bad deploy to fail', async () => (await deployExecutions(h)).some((e) => e.trigger.parameters.artifactVersion === '1.0.1-bad' && e.status === 'TERMINAL'));
    await waitState(h, 'test', '1.0.1-bad', 'SKIPPED');
    expect(await stateOf(h, 'test', '1.0.0')).toBe('CURRENT');
    const view = await h.api('GET', '/managed/application/checkout');
    const bad = view.body.environments[0].artifacts[0].versions.find((v: any) => v.version === '1.0.1-bad');
    expect(bad.deployment).toMatchObject({ status: 'FAILED', detail: 'deploy execution ended TERMINAL' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await deployExecutions(h)).filter((e) => e.trigger.parameters.artifactVersion === '1.0.1-bad')).toHaveLength(1);
  });
});
