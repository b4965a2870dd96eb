/**
 * Spinnaker's failure options across parallel branches, table-driven through a real service (real SQLite, real
 * HTTP), with orca's outcomes: the failing stage's status, the other branch's, and the execution's final status.
 * Also propagateAuthenticationContext and the #judgement alias after a judgment.
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

async function runToEnd(pipeline: Record<string, unknown>, user = 'erin@example.com'): Promise<any> {
  const application = `failopts${++seq}`;
  const saved = await h.api('POST', '/pipelines', { application, name: 'p', ...pipeline });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const res = await h.api('POST', `/pipelines/${application}/p`, { user });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const id = res.body.ref.replace('/pipelines/', '');
  return waitFor(`execution ${id} to end`, async () => {
    const e = (await h.api('GET', `/pipelines/${id}`)).body;
    return ['RUNNING', 'NOT_STARTED'].includes(e.status) ? null : e;
  }, 15_000);
}

/** A: a failing precondition with the given stage options; B: a 1 s wait on a parallel branch; C: after A. */
function branches(options: Record<string, unknown>) {
  return {
    stages: [
      { refId: 'a', type: 'checkPreconditions', name: 'A', preconditions: [{ type: 'expression', context: { expression: '${1 == 2}' } }], ...options },
      { refId: 'b', type: 'wait', name: 'B', waitTime: 1 },
      { refId: 'c', requisiteStageRefIds: ['a'], type: 'wait', name: 'C', waitTime: 0 },
    ],
  };
}

describe('failure options (orca outcomes)', () => {
  it.each([
    ['default (failPipeline true)', {}, { a: 'TERMINAL', b: 'CANCELED', c: 'NOT_STARTED', execution: 'TERMINAL' }],
    ['failPipeline: false', { failPipeline: false }, { a: 'STOPPED', b: 'SUCCEEDED', c: 'NOT_STARTED', execution: 'SUCCEEDED' }],
    ['continuePipeline: true', { continuePipeline: true }, { a: 'FAILED_CONTINUE', b: 'SUCCEEDED', c: 'SUCCEEDED', execution: 'SUCCEEDED' }],
    [
      'completeOtherBranchesThenFail (failPipeline false)',
      { failPipeline: false, completeOtherBranchesThenFail: true },
      { a: 'STOPPED', b: 'SUCCEEDED', c: 'NOT_STARTED', execution: 'TERMINAL' },
    ],
  ])('%s', async (_name, options, expected) => {
    const e = await runToEnd(branches(options));
    const by = Object.fromEntries(e.stages.map((s: any) => [s.refId, s.status]));
    expect({ a: by.a, b: by.b, c: by.c, execution: e.status }).toEqual(expected);
    if (expected.a !== 'SUCCEEDED') expect(e.stages[0].context.exception.details.error ?? JSON.stringify(e.stages[0].context.exception)).toContain('1 == 2');
  });
});

describe('after a judgment', () => {
  it('propagateAuthenticationContext records the approver; #judgement (alias) returns the input', async () => {
    const application = `failopts${++seq}`;
    await h.api('POST', '/pipelines', {
      application,
      name: 'p',
      stages: [
        { refId: '1', type: 'manualJudgment', name: 'Approve', judgmentInputs: [{ value: 'canary' }], propagateAuthenticationContext: true },
        { refId: '2', requisiteStageRefIds: ['1'], type: 'evaluateVariables', name: 'Use', variables: [{ key: 'mode', value: "${#judgement('Approve')}" }] },
      ],
    });
    const res = await h.api('POST', `/pipelines/${application}/p`, { user: 'erin@example.com' });
    const id = res.body.ref.replace('/pipelines/', '');
    const running = await waitFor('judgment RUNNING', async () => {
      const e = (await h.api('GET', `/pipelines/${id}`)).body;
      return e.stages[0].status === 'RUNNING' ? e : null;
    });
    await h.api('PATCH', `/pipelines/${id}/stages/${running.stages[0].id}`, { judgmentStatus: 'continue', judgmentInput: 'canary' }, { 'x-spinnaker-user': 'alice@example.com' });
    const done = await waitFor('SUCCEEDED', async () => {
      const e = (await h.api('GET', `/pipelines/${id}`)).body;
      return e.status === 'SUCCEEDED' ? e : null;
    });
    expect(done.authentication).toEqual({ user: 'alice@example.com', allowedAccounts: [] });
    expect(done.stages[1].outputs.mode).toBe('canary');
  });
});
