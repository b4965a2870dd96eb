/**
 * The `pipeline` stage (run another pipeline) through a real service (real SQLite, real HTTP), as orca's
 * PipelineStage / StartPipelineTask / MonitorPipelineTask: the child's status becomes the stage's, outputs carry
 * `executionId`, `executionName` and `status`, cancelling the parent cancels the child, and recursion is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { MAX_PIPELINE_DEPTH } from '../../src/engine/stages/pipeline.js';

let h: Harness;
let seq = 0;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false });
});
afterAll(async () => {
  await h.close();
});

/** Saves a pipeline and returns its config (with the assigned id). */
async function save(application: string, name: string, stages: unknown[], extra: Record<string, unknown> = {}): Promise<any> {
  const r = await h.api('POST', '/pipelines', { application, name, stages, ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function trigger(application: string, name: string, parameters: Record<string, string> = {}): Promise<string> {
  const r = await h.api('POST', `/pipelines/${application}/${encodeURIComponent(name)}`, { parameters, user: 'erin@example.com' });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return (r.body as any).ref.replace('/pipelines/', '');
}

async function get(id: string): Promise<any> {
  return (await h.api('GET', `/pipelines/${id}`)).body;
}

async function ended(id: string, timeoutMs = 15_000): Promise<any> {
  return waitFor(
    `execution ${id} to end`,
    async () => {
      const e = await get(id);
      return ['RUNNING', 'NOT_STARTED', 'BUFFERED'].includes(e.status) ? null : e;
    },
    timeoutMs,
  );
}

function app(): string {
  return `parent${++seq}`;
}

function pipelineStage(pipeline: string, extra: Record<string, unknown> = {}) {
  return { refId: '1', type: 'pipeline', name: 'Run child', pipeline, ...extra };
}

describe('pipeline stage', () => {
  it('runs the child with the evaluated parameters and a pipeline trigger; the child SUCCEEDED → the stage SUCCEEDED with outputs', async () => {
    const a = app();
    const child = await save(a, 'child', [
      { refId: '1', type: 'evaluateVariables', name: 'Echo', variables: [{ key: 'seen', value: '${parameters.version}@${parameters.region}' }] },
    ], { parameterConfig: [{ name: 'version', required: true }, { name: 'region', default: 'eu-west-1' }] });
    await save(a, 'parent', [
      pipelineStage(child.id, { application: a, pipelineParameters: { version: '${parameters.tag}-rc' } }),
      { refId: '2', requisiteStageRefIds: ['1'], type: 'evaluateVariables', name: 'After', variables: [{ key: 'childId', value: '${executionId}' }] },
    ]);
    const parentId = await trigger(a, 'parent', { tag: '1.4.2' });
    const parent = await ended(parentId);
    expect(parent.status).toBe('SUCCEEDED');
    const stage = parent.stages.find((s: any) => s.refId === '1');
    expect(stage.status).toBe('SUCCEEDED');
    expect(stage.tasks[0].name).toBe('startPipeline');
    const childId = stage.outputs.executionId;
    expect(stage.outputs).toEqual({ executionId: childId, executionName: 'child', status: 'SUCCEEDED' });
    expect(stage.context.executionId).toBe(childId);
    expect(parent.stages.find((s: any) => s.refId === '2').outputs.childId).toBe(childId);

    const c = await get(childId);
    expect(c.status).toBe('SUCCEEDED');
    expect(c.application).toBe(a);
    expect(c.pipelineConfigId).toBe(child.id);
    expect(c.trigger).toMatchObject({
      type: 'pipeline',
      user: 'erin@example.com',
      parentExecution: { id: parentId, application: a, name: 'parent' },
      parentStageId: stage.id,
      parameters: { version: '1.4.2-rc', region: 'eu-west-1' },
    });
    expect(c.stages[0].outputs.seen).toBe('1.4.2-rc@eu-west-1');
  });

  it('the child ending TERMINAL fails the stage (TERMINAL) naming the child and quoting its error', async () => {
    const a = app();
    const child = await save(a, 'failing child', [
      { refId: '1', type: 'checkPreconditions', name: 'Gate', preconditions: [{ type: 'expression', failPipeline: true, context: { expression: '${1 == 2}' } }] },
    ]);
    await save(a, 'parent', [pipelineStage(child.id, { application: a })]);
    const parent = await ended(await trigger(a, 'parent'));
    expect(parent.status).toBe('TERMINAL');
    const stage = parent.stages[0];
    expect(stage.status).toBe('TERMINAL');
    expect(stage.outputs.status).toBe('TERMINAL');
    const error: string = stage.context.exception.details.error;
    expect(error).toContain(`child pipeline "failing child" (${a}, execution ${stage.outputs.executionId}) ended TERMINAL`);
    expect(error).toContain('Exception in child pipeline stage (failing child: Gate)');
    expect(error).toContain('1 == 2');
  });

  it('failPipeline: false on the stage turns the child\'s failure into STOPPED (the engine\'s failure status)', async () => {
    const a = app();
    const child = await save(a, 'child', [
      { refId: '1', type: 'checkPreconditions', name: 'Gate', preconditions: [{ type: 'expression', context: { expression: '${false}' } }] },
    ]);
    await save(a, 'parent', [pipelineStage(child.id, { application: a, failPipeline: false })]);
    const parent = await ended(await trigger(a, 'parent'));
    expect(parent.stages[0].status).toBe('STOPPED');
    expect(parent.status).toBe('SUCCEEDED');
  });

  it('waitForCompletion: false succeeds right after starting the child, which goes on by itself', async () => {
    const a = app();
    const child = await save(a, 'slow child', [{ refId: '1', type: 'wait', name: 'Wait', waitTime: 2 }]);
    await save(a, 'parent', [pipelineStage(child.id, { application: a, waitForCompletion: false })]);
    const parent = await ended(await trigger(a, 'parent'));
    expect(parent.status).toBe('SUCCEEDED');
    const stage = parent.stages[0];
    expect(stage.outputs).toEqual({ executionId: expect.any(String), executionName: 'slow child' });
    const c = await get(stage.outputs.executionId);
    expect(['NOT_STARTED', 'RUNNING']).toContain(c.status);
    expect((await ended(c.id)).status).toBe('SUCCEEDED');
  });

  it('an unknown pipeline id (or one of another application) → TERMINAL naming it', async () => {
    const a = app();
    const other = await save(app(), 'elsewhere', [{ refId: '1', type: 'wait', name: 'Wait', waitTime: 0 }]);
    await save(a, 'parent', [pipelineStage('no-such-pipeline-id', { application: a })]);
    await save(a, 'parent2', [pipelineStage(other.id, { application: a })]);
    for (const [name, id] of [['parent', 'no-such-pipeline-id'], ['parent2', other.id]]) {
      const parent = await ended(await trigger(a, name));
      expect(parent.status).toBe('TERMINAL');
      expect(parent.stages[0].context.exception.details.error).toBe(
        `The referenced pipeline cannot be located: application ${a} has no pipeline with id "${id}"`,
      );
      expect(parent.stages[0].outputs.executionId).toBeUndefined();
    }
  });

  it('a child missing a required parameter → TERMINAL with the child\'s 400 message, and no child started', async () => {
    const a = app();
    const child = await save(a, 'needs version', [{ refId: '1', type: 'wait', name: 'Wait', waitTime: 0 }], {
      parameterConfig: [{ name: 'version', required: true }],
    });
    await save(a, 'parent', [pipelineStage(child.id, { application: a })]);
    const parent = await ended(await trigger(a, 'parent'));
    expect(parent.status).toBe('TERMINAL');
    const error: string = parent.stages[0].context.exception.details.error;
    expect(error).toContain(`cannot start pipeline "needs version" (${a}, id ${child.id})`);
    expect(error).toContain('missing required parameter: version');
    // the same message the REST trigger answers with
    const rest = await h.api('POST', `/pipelines/${a}/needs%20version`, {});
    expect(rest.status).toBe(400);
    expect(error).toContain((rest.body as any).message);
    const list = (await h.api('GET', `/applications/${a}/pipelines`)).body as any[];
    expect(list.filter((e) => e.name === 'needs version')).toHaveLength(0);
  });

  it('cancelling the parent cancels the running child (CANCELED, "parent" in the reason)', async () => {
    const a = app();
    const child = await save(a, 'long child', [
      { refId: '1', type: 'manualJudgment', name: 'Approve', instructions: 'ok?' },
      { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'Wait', waitTime: 3600 },
    ]);
    await save(a, 'parent', [pipelineStage(child.id, { application: a })]);
    const parentId = await trigger(a, 'parent');
    const childId = await waitFor('the child to run', async () => {
      const p = await get(parentId);
      const id = p.stages[0].context.executionId;
      return id && (await get(id)).status === 'RUNNING' ? (id as string) : null;
    });
    const r = await h.api('PUT', `/pipelines/${parentId}/cancel?reason=changed%20my%20mind`, undefined, {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const parent = await ended(parentId);
    expect(parent.status).toBe('CANCELED');
    expect(parent.stages[0].status).toBe('CANCELED');
    const c = await ended(childId);
    expect(c.status).toBe('CANCELED');
    expect(c.canceled).toBe(true);
    expect(c.cancellationReason).toContain(`parent execution ${parentId}`);
    expect(c.stages[0].status).toBe('CANCELED');
  });

  it('cancelling the child fails over to the parent: the stage ends CANCELED', async () => {
    const a = app();
    const child = await save(a, 'child', [{ refId: '1', type: 'wait', name: 'Wait', waitTime: 3600 }]);
    await save(a, 'parent', [pipelineStage(child.id, { application: a })]);
    const parentId = await trigger(a, 'parent');
    const childId = await waitFor('the child to run', async () => {
      const id = (await get(parentId)).stages[0].context.executionId;
      return id && (await get(id)).status === 'RUNNING' ? (id as string) : null;
    });
    expect((await h.api('PUT', `/pipelines/${childId}/cancel`)).status).toBe(200);
    const parent = await ended(parentId);
    expect(parent.stages[0].status).toBe('CANCELED');
    expect(parent.stages[0].outputs.status).toBe('CANCELED');
    expect(parent.status).toBe('CANCELED');
  });

  it(`a pipeline starting itself stops at ${MAX_PIPELINE_DEPTH} levels with a clear error`, async () => {
    const a = app();
    const self = await save(a, 'recursive', [{ refId: '1', type: 'wait', name: 'Wait', waitTime: 0 }]);
    // point the stage at the pipeline's own id (saving again under the same name keeps the id)
    await save(a, 'recursive', [pipelineStage(self.id, { application: a, waitForCompletion: false })], { id: self.id });
    await trigger(a, 'recursive');
    const deepest = await waitFor(
      'the too-deep execution to fail',
      async () => {
        const list = (await h.api('GET', `/applications/${a}/pipelines?limit=50`)).body as any[];
        return list.find((e) => e.status === 'TERMINAL');
      },
      20_000,
    );
    expect(deepest.stages[0].context.exception.details.error).toMatch(
      new RegExp(`pipeline stages are nested more than ${MAX_PIPELINE_DEPTH} deep .*does a pipeline start itself`),
    );
    const list = (await h.api('GET', `/applications/${a}/pipelines?limit=50`)).body as any[];
    expect(list).toHaveLength(MAX_PIPELINE_DEPTH + 1); // the top one and 10 nested ones; none deeper
  });

  it('starts at most one child per stage: concurrent launches for the same stage agree on one execution', async () => {
    // the engine's launcher (what `execute` calls) checks and records `executionId` in the transaction that stores
    // the child; five racing calls (as duplicate RunTask deliveries would make) must start exactly one
    const a = app();
    const child = await save(a, 'child', [{ refId: '1', type: 'wait', name: 'Wait', waitTime: 3600 }]);
    await save(a, 'parent', [{ refId: '1', type: 'manualJudgment', name: 'Hold', instructions: 'hold' }]);
    const parentId = await trigger(a, 'parent');
    const stageId = await waitFor('the parent stage to run', async () => {
      const s = (await get(parentId)).stages[0];
      return s.status === 'RUNNING' ? (s.id as string) : null;
    });
    const engine = h.service.engine as unknown as {
      startChild(config: unknown, trigger: unknown, parent: { executionId: string; stageId: string }): Promise<any>;
    };
    const trig = { type: 'pipeline', user: 'erin@example.com', parameters: {} };
    const results = await Promise.all(Array.from({ length: 5 }, () => engine.startChild(child, trig, { executionId: parentId, stageId })));
    expect(results.filter((r) => r.outcome === 'started')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'existing')).toHaveLength(4);
    expect(new Set(results.map((r) => r.executionId)).size).toBe(1);
    const stage = (await get(parentId)).stages[0];
    expect(stage.context.executionId).toBe(results[0].executionId);
    const list = (await h.api('GET', `/applications/${a}/pipelines`)).body as any[];
    expect(list.filter((e) => e.name === 'child')).toHaveLength(1);
    // clean up: only `pipeline` stages own children, so the child (started for a manualJudgment stage here) is not
    // canceled with the parent
    await h.api('PUT', `/pipelines/${parentId}/cancel`);
    expect((await ended(parentId)).status).toBe('CANCELED');
    expect((await get(results[0].executionId)).canceled).toBe(false);
    await h.api('PUT', `/pipelines/${results[0].executionId}/cancel`);
    await ended(results[0].executionId);
  });

  it('a re-run of a stage that already has an executionId polls that child and starts none', async () => {
    const { pipelineStage: type } = await import('../../src/engine/stages/pipeline.js');
    let starts = 0;
    const childExec = { id: 'c1', name: 'child', application: 'x', status: 'RUNNING', stages: [] };
    const launcher = {
      pipelineConfig: async () => undefined,
      execution: async () => childExec as any,
      startChild: async () => {
        starts++;
        return { outcome: 'stale' as const };
      },
    };
    const stage = { id: 's1', refId: '1', type: 'pipeline', name: 'Run', status: 'RUNNING', context: { pipeline: 'p', executionId: 'c1', executionName: 'child' }, outputs: {}, requisiteStageRefIds: [], startTime: 0, endTime: null, lastModified: null, tasks: [] };
    const execution = { id: 'e1', application: 'x', name: 'parent', trigger: { type: 'manual', user: 'u', parameters: {} }, stages: [stage] } as any;
    const signal = new AbortController().signal;
    const running = await type.execute!({ execution, stage: stage as any, now: 1000, signal, launcher });
    expect(running).toEqual({ status: 'RUNNING', retryAt: 2000, context: { status: 'RUNNING' } });
    childExec.status = 'SUCCEEDED';
    const done = await type.execute!({ execution, stage: stage as any, now: 3000, signal, launcher });
    expect(done).toMatchObject({ status: 'SUCCEEDED', outputs: { executionId: 'c1', executionName: 'child', status: 'SUCCEEDED' } });
    expect(starts).toBe(0);
  });

  it('refuses a stage without `pipeline` when the pipeline is saved', async () => {
    const r = await h.api('POST', '/pipelines', { application: app(), name: 'bad', stages: [{ refId: '1', type: 'pipeline', name: 'Run' }] });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('stages[0].pipeline');
  });
});
