/**
 * POST /slack/preview: the judgment message a manualJudgment stage will post, from the same Block Kit builder as
 * the real one — compared with what the service really posts to (fake) Slack for the same pipeline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { judgmentPipeline, startHarness, type Harness } from '../support/harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const noIds = (blocks: unknown): string =>
  // Button values and links carry the execution and stage ids, which differ between a preview and a real run.
  JSON.stringify(blocks)
    .replace(/"value":"[^"]*"/g, '"value":"…"')
    .replace(/executions\/details\/[^?"]+/g, 'executions/details/…')
    .replace(/<!date\^\d+\^[^>]*>/g, '<date>');

describe('POST /slack/preview', () => {
  it('renders the message the service posts when the stage starts, parameters at their defaults', async () => {
    h = await startHarness();
    const pipeline = judgmentPipeline({ parameterConfig: [{ name: 'version', default: '1.2.3' }, { name: 'region', default: 'eu-west-1' }] });
    const preview = await h.api('POST', '/slack/preview', { pipeline, refId: '1' });
    expect(preview.status).toBe(200);
    expect(preview.body.text).toMatch(/Approve production is awaiting manual judgment/);
    expect(preview.body.channels).toEqual(['deploys']);
    const buttons = preview.body.blocks.flatMap((b: any) => b.elements ?? []).map((e: any) => e.action_id);
    expect(buttons).toEqual(['judgment:continue', 'judgment:stop']);
    expect(JSON.stringify(preview.body.blocks)).toContain('Deploy *1.2.3* to eu-west-1? Asked by preview@example.com.');

    // The real message for the same pipeline, triggered with the same values: identical but for ids and the trigger user.
    await h.api('POST', '/pipelines', pipeline);
    await h.api('POST', '/pipelines/checkout/Deploy to production', { user: 'preview@example.com', parameters: {} });
    const real = await h.judgmentMessage();
    expect(noIds(preview.body.blocks)).toBe(noIds(real.blocks));
  });

  it('does not need the pipeline to be saved, and works with Slack off', async () => {
    h = await startHarness({ slackEnabled: false });
    const r = await h.api('POST', '/slack/preview', {
      pipeline: judgmentPipeline({}, { judgmentInputs: [{ value: 'Roll out' }, { value: 'Roll back' }], requiredJudgmentRoles: ['deployers'] }),
      refId: 1,
    });
    expect(r.status).toBe(200);
    const text = JSON.stringify(r.body.blocks);
    expect(text).toContain('Roll out');
    expect(text).toContain('Only members of deployers may judge');
    expect((await h.api('GET', '/applications/checkout/pipelineConfigs')).body).toEqual([]);
  });

  it('answers 400 naming the field', async () => {
    h = await startHarness();
    const cases: Array<[unknown, RegExp]> = [
      [{ pipeline: judgmentPipeline(), refId: '2' }, /^refId: stage "Soak" is a wait stage/],
      [{ pipeline: judgmentPipeline(), refId: '9' }, /^refId: the pipeline has no stage with refId "9"/],
      [{ pipeline: judgmentPipeline() }, /^refId: required/],
      [{ refId: '1' }, /^pipeline: required/],
      [{ pipeline: { ...judgmentPipeline(), stages: [{ refId: '1', type: 'manualJudgment', name: 'J', stageTimeoutMs: 'soon' }] }, refId: '1' }, /^pipeline\.stages\[0\]\.stageTimeoutMs: /],
      [[1, 2], /^body: /],
    ];
    for (const [body, message] of cases) {
      const r = await h.api('POST', '/slack/preview', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.message).toMatch(message);
    }
  });

  it('lists as channels only the preferences that post the awaiting message', async () => {
    h = await startHarness();
    const notifications = [
      { type: 'slack', address: '#deploys', level: 'stage', when: ['manualJudgment'] },
      { type: 'slack', address: '#audit', level: 'stage', when: ['manualJudgmentContinue'] },
    ];
    const r = await h.api('POST', '/slack/preview', { pipeline: judgmentPipeline({}, { sendNotifications: undefined, notifications }), refId: '1' });
    expect(r.status).toBe(200);
    expect(r.body.channels).toEqual(['deploys']);
    const off = await h.api('POST', '/slack/preview', { pipeline: judgmentPipeline({}, { sendNotifications: false, notifications }), refId: '1' });
    expect(off.body.channels).toEqual([]);
  });
});
