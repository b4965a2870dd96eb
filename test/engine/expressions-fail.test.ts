/**
 * `failOnFailedExpressions` on any stage, through a real service: as orca, a `${...}` of the stage context that fails
 * to evaluate at start fails the stage at once (its failure status, errors in `context.exception.details.errors`)
 * and its task never runs; without the flag the stage runs and lists the failure in `expressionEvaluationSummary`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';

let h: Harness;
let seq = 0;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false });
});
afterAll(async () => {
  await h.close();
});

async function run(stage: Record<string, unknown>): Promise<any> {
  const application = `exprfail${++seq}`;
  const saved = await h.api('POST', '/pipelines', {
    application,
    name: 'p',
    stages: [
      { refId: '1', type: 'wait', name: 'Bad', waitTime: 0, note: 'value ${nosuch.x}', ...stage },
      { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'After', waitTime: 0 },
    ],
  });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const res = await h.api('POST', `/pipelines/${application}/p`, { user: 'erin@example.com' });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const id = (res.body as any).ref.replace('/pipelines/', '');
  return waitFor(`${id} ends`, async () => {
    const e = (await h.api('GET', `/pipelines/${id}`)).body as any;
    return ['RUNNING', 'NOT_STARTED'].includes(e.status) ? null : e;
  });
}

describe('failOnFailedExpressions', () => {
  it('fails the stage TERMINAL at start with the failed expression listed; its task never runs', async () => {
    const e = await run({ failOnFailedExpressions: true });
    expect(e.status).toBe('TERMINAL');
    const [s, after] = e.stages;
    expect(s.status).toBe('TERMINAL');
    expect(s.tasks[0].status).toBe('TERMINAL');
    expect(s.tasks[0].startTime).toBeNull();
    expect(s.startTime).not.toBeNull();
    expect(s.endTime).not.toBeNull();
    expect(s.context.exception.details.error).toBe('Failed to evaluate an expression of stage "Bad" (failOnFailedExpressions)');
    expect(s.context.exception.details.errors).toHaveLength(1);
    expect(s.context.exception.details.errors[0]).toMatch(/^\$\{nosuch\.x\}: ./);
    expect(s.context.note).toBe('value ${nosuch.x}'); // left as written, as on any failure
    expect(after.status).toBe('NOT_STARTED');
  });

  it.each([
    { options: { failPipeline: false }, stage: 'STOPPED', execution: 'SUCCEEDED', next: 'NOT_STARTED' },
    { options: { continuePipeline: true }, stage: 'FAILED_CONTINUE', execution: 'SUCCEEDED', next: 'SUCCEEDED' },
  ])('with $options the stage ends $stage', async ({ options, stage, execution, next }) => {
    const e = await run({ failOnFailedExpressions: true, ...options });
    expect(e.status).toBe(execution);
    expect(e.stages[0].status).toBe(stage);
    expect(e.stages[0].context.exception.details.errors).toHaveLength(1);
    expect(e.stages[1].status).toBe(next);
  });

  it('lists every failed expression', async () => {
    const e = await run({ failOnFailedExpressions: true, other: { deep: ['${also.missing}'] } });
    expect(e.stages[0].context.exception.details.error).toContain('2 expressions');
    expect(e.stages[0].context.exception.details.errors).toHaveLength(2);
  });

  it('does not fail a stage whose expressions all evaluate', async () => {
    const e = await run({ failOnFailedExpressions: true, note: 'by ${trigger.user}' });
    expect(e.status).toBe('SUCCEEDED');
    expect(e.stages[0].context.note).toBe('by erin@example.com');
    expect(e.stages[0].context.exception).toBeUndefined();
  });

  it.each([{ failOnFailedExpressions: false }, {}])('with %j the stage runs and lists the failure in expressionEvaluationSummary', async (flag) => {
    const e = await run(flag);
    expect(e.status).toBe('SUCCEEDED');
    expect(e.stages.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const summary = e.stages[0].context.expressionEvaluationSummary;
    expect(Object.keys(summary)).toHaveLength(1);
    expect(Object.keys(summary)[0]).toContain('nosuch.x');
    expect(summary[Object.keys(summary)[0]!][0].level).toBe('ERROR');
    expect(e.stages[0].context.exception).toBeUndefined();
  });

  it('an undecidable stageEnabled does not count: the stage runs (orca only logs it)', async () => {
    const e = await run({ failOnFailedExpressions: true, note: 'fine', stageEnabled: { type: 'expression', expression: 'nosuch.y' } });
    expect(e.status).toBe('SUCCEEDED');
    expect(Object.keys(e.stages[0].context.expressionEvaluationSummary)).toEqual(['nosuch.y']);
  });
});
