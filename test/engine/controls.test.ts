/**
 * Execution controls through a real service (real SQLite, real HTTP): pause/resume, delete, skipRemainingWait,
 * stage restart, and limitConcurrent / maxConcurrentExecutions / keepWaitingPipelines. Expected outcomes follow
 * orca: PauseExecutionHandler / ResumeExecutionHandler, WaitTask, RestartStageHandler, TaskController.deletePipeline,
 * StartExecutionHandler (`shouldQueue`) and StartWaitingExecutionsHandler.
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function save(stages: unknown[], extra: Record<string, unknown> = {}): Promise<string> {
  const application = `controls${++seq}`;
  const saved = await h.api('POST', '/pipelines', { application, name: 'p', stages, ...extra });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  return application;
}

async function trigger(application: string, user = 'erin@example.com'): Promise<string> {
  const res = await h.api('POST', `/pipelines/${application}/p`, { user });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return (res.body as any).ref.replace('/pipelines/', '');
}

async function get(id: string): Promise<any> {
  return (await h.api('GET', `/pipelines/${id}`)).body;
}

function byRef(e: any): Record<string, any> {
  return Object.fromEntries(e.stages.map((s: any) => [s.refId, s]));
}

async function until(id: string, what: string, pred: (e: any) => boolean): Promise<any> {
  return waitFor(`${id}: ${what}`, async () => {
    const e = await get(id);
    return pred(e) ? e : null;
  });
}

const ended = (e: any) => !['RUNNING', 'NOT_STARTED', 'PAUSED'].includes(e.status);
const longWait = (refId = '1', extra: Record<string, unknown> = {}) => ({ refId, type: 'wait', name: `Wait ${refId}`, waitTime: 3600, ...extra });

describe('pause and resume', () => {
  it('holds a running wait while PAUSED and, on resume, ends it at once when its deadline passed meanwhile (no extension)', async () => {
    const app = await save([
      { refId: '1', type: 'wait', name: 'Short', waitTime: 1 },
      { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'After', waitTime: 0 },
    ]);
    const id = await trigger(app);
    await until(id, 'stage 1 RUNNING', (e) => byRef(e)['1'].status === 'RUNNING');
    const paused = await h.api('PUT', `/pipelines/${id}/pause`, undefined, { 'x-spinnaker-user': 'paula' });
    expect(paused.status, JSON.stringify(paused.body)).toBe(200);
    expect(paused.body.status).toBe('PAUSED');
    expect(paused.body.paused).toMatchObject({ pausedBy: 'paula', resumedBy: null, resumeTime: null });
    expect(byRef(paused.body)['1'].status).toBe('PAUSED');
    expect(byRef(paused.body)['1'].tasks[0].status).toBe('PAUSED');

    // the wait's deadline (1 s) passes while paused: nothing moves
    await sleep(1600);
    const held = await get(id);
    expect(held.status).toBe('PAUSED');
    expect(byRef(held)['1'].status).toBe('PAUSED');
    expect(byRef(held)['2'].status).toBe('NOT_STARTED');
    expect(byRef(held)['1'].endTime).toBeNull();

    expect((await h.api('PUT', `/pipelines/${id}/pause`)).status).toBe(409);
    const resumedAt = Date.now();
    const resumed = await h.api('PUT', `/pipelines/${id}/resume`, undefined, { 'x-spinnaker-user': 'rob' });
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('RUNNING');
    expect(resumed.body.paused).toMatchObject({ pausedBy: 'paula', resumedBy: 'rob' });
    expect(resumed.body.paused.resumeTime - resumed.body.paused.pauseTime).toBeGreaterThanOrEqual(1500);

    const e = await until(id, 'end', ended);
    expect(e.status).toBe('SUCCEEDED');
    const s = byRef(e);
    expect(s['1'].status).toBe('SUCCEEDED');
    expect(s['1'].tasks[0].status).toBe('SUCCEEDED');
    // the wait was not extended by the pause: it ended right after the resume
    expect(s['1'].endTime).toBeGreaterThanOrEqual(resumedAt - 50);
    expect(s['1'].endTime - resumedAt).toBeLessThan(1000);
    expect(s['2'].startTime).toBeGreaterThanOrEqual(s['1'].endTime);
    expect((await h.api('PUT', `/pipelines/${id}/resume`)).status).toBe(409);
  });

  it('takes skipRemainingWait while PAUSED without moving; resume then ends the wait and starts the next stage', async () => {
    const app = await save([longWait(), { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'Next', waitTime: 0 }]);
    const id = await trigger(app);
    const running = await until(id, 'wait RUNNING', (e) => byRef(e)['1'].status === 'RUNNING');
    expect((await h.api('PUT', `/pipelines/${id}/pause`)).status).toBe(200);
    const skip = await h.api('PATCH', `/pipelines/${id}/stages/${byRef(running)['1'].id}`, { skipRemainingWait: true });
    expect(skip.status).toBe(200);
    await sleep(400);
    const held = await get(id);
    expect(held.status).toBe('PAUSED');
    expect(byRef(held)['1'].status).toBe('PAUSED');
    expect(byRef(held)['2'].status).toBe('NOT_STARTED');
    const resumedAt = Date.now();
    await h.api('PUT', `/pipelines/${id}/resume`);
    const e = await until(id, 'end', ended);
    expect(e.status).toBe('SUCCEEDED');
    expect(byRef(e)['1'].endTime).toBeGreaterThanOrEqual(resumedAt - 50);
    expect(byRef(e)['2'].startTime).toBeGreaterThanOrEqual(byRef(e)['1'].endTime);
  });

  it('a paused execution can be canceled; it ends CANCELED', async () => {
    const app = await save([longWait()]);
    const id = await trigger(app);
    await until(id, 'RUNNING', (e) => e.status === 'RUNNING');
    expect((await h.api('PUT', `/pipelines/${id}/pause`)).status).toBe(200);
    expect((await h.api('PUT', `/pipelines/${id}/cancel`)).status).toBe(200);
    const e = await until(id, 'CANCELED', (x) => x.status === 'CANCELED');
    expect(e.canceled).toBe(true);
    expect(byRef(e)['1'].status).toBe('CANCELED');
    expect((await h.api('PUT', `/pipelines/${id}/resume`)).status).toBe(409);
  });

  it('answers 404 for an unknown execution', async () => {
    expect((await h.api('PUT', '/pipelines/nope/pause')).status).toBe(404);
    expect((await h.api('PUT', '/pipelines/nope/resume')).status).toBe(404);
  });
});

describe('DELETE /pipelines/{id}', () => {
  it('refuses a running execution with 409 naming the cancel path, deletes it once canceled', async () => {
    const app = await save([longWait()]);
    const id = await trigger(app);
    await until(id, 'RUNNING', (e) => e.status === 'RUNNING');
    const refused = await h.api('DELETE', `/pipelines/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain(`PUT /pipelines/${id}/cancel`);
    expect((await get(id)).status).toBe('RUNNING');
    await h.api('PUT', `/pipelines/${id}/cancel`);
    await until(id, 'CANCELED', (e) => e.status === 'CANCELED');
    const ok = await h.api('DELETE', `/pipelines/${id}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ deleted: true });
    expect((await h.api('GET', `/pipelines/${id}`)).status).toBe(404);
    expect((await h.api('DELETE', `/pipelines/${id}`)).status).toBe(404);
    expect((await h.api('GET', `/applications/${app}/pipelines`)).body).toEqual([]);
  });
});

describe('PATCH skipRemainingWait', () => {
  it('ends a running wait at once, records who, and refuses other stages and bodies', async () => {
    const app = await save([longWait(), { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'Next', waitTime: 0 }]);
    const id = await trigger(app);
    const running = await until(id, 'wait RUNNING', (e) => byRef(e)['1'].status === 'RUNNING');
    const stageId = byRef(running)['1'].id;
    expect((await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { skipRemainingWait: false })).status).toBe(400);
    expect((await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { skipRemainingWait: 'yes' })).status).toBe(400);
    const before = Date.now();
    const res = await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { skipRemainingWait: true }, { 'x-spinnaker-user': 'sam' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const e = await until(id, 'end', ended);
    expect(e.status).toBe('SUCCEEDED');
    const s = byRef(e)['1'];
    expect(s.context.skipRemainingWait).toBe(true);
    expect(s.lastModified).toMatchObject({ user: 'sam' });
    expect(s.endTime - before).toBeLessThan(2000);
    expect(s.endTime - s.startTime).toBeLessThan(3_600_000);
    const late = await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { skipRemainingWait: true });
    expect(late.status).toBe(409);
    expect(late.body.message).toContain('SUCCEEDED');
    expect((await h.api('PATCH', `/pipelines/${id}/stages/nope`, { skipRemainingWait: true })).status).toBe(404);
  });

  it('refuses skipRemainingWait on a manual judgment (400) and a judgment on a wait (400)', async () => {
    const app = await save([{ refId: '1', type: 'manualJudgment', name: 'Approve' }, { ...longWait('2') }]);
    const id = await trigger(app);
    const running = await until(id, 'judgment RUNNING', (e) => byRef(e)['1'].status === 'RUNNING');
    const mj = byRef(running)['1'].id;
    const bad = await h.api('PATCH', `/pipelines/${id}/stages/${mj}`, { skipRemainingWait: true });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('manualJudgment');
    expect((await h.api('PATCH', `/pipelines/${id}/stages/${mj}`, { judgmentStatus: 'continue' })).status).toBe(200);
    const waiting = await until(id, 'wait RUNNING', (e) => byRef(e)['2'].status === 'RUNNING');
    expect((await h.api('PATCH', `/pipelines/${id}/stages/${byRef(waiting)['2'].id}`, { judgmentStatus: 'continue' })).status).toBe(400);
    await h.api('PUT', `/pipelines/${id}/cancel`);
  });
});

describe('PUT /pipelines/{id}/stages/{stageId}/restart', () => {
  it('restarts a stopped judgment: the stage and its downstream stages reset, the execution RUNNING again', async () => {
    const app = await save([
      { refId: '1', type: 'manualJudgment', name: 'Approve', judgmentInputs: [{ value: 'ship' }] },
      { refId: '2', requisiteStageRefIds: ['1'], type: 'evaluateVariables', name: 'Vars', variables: [{ key: 'by', value: '${trigger.user}' }] },
    ]);
    const id = await trigger(app);
    const running = await until(id, 'judgment RUNNING', (e) => byRef(e)['1'].status === 'RUNNING');
    const stageId = byRef(running)['1'].id;
    expect((await h.api('PUT', `/pipelines/${id}/stages/${stageId}/restart`)).status).toBe(409); // still running
    await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { judgmentStatus: 'stop' }, { 'x-spinnaker-user': 'ann' });
    const stopped = await until(id, 'end', ended);
    expect(stopped.status).toBe('TERMINAL');
    expect(byRef(stopped)['1'].context.judgmentStatus).toBe('stop');

    const res = await h.api('PUT', `/pipelines/${id}/stages/${stageId}/restart`, undefined, { 'x-spinnaker-user': 'rita' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('RUNNING');
    expect(res.body.endTime).toBeNull();
    const r = byRef(res.body);
    expect(r['1'].status).toBe('NOT_STARTED');
    expect(r['1'].startTime).toBeNull();
    expect(r['1'].context.judgmentStatus).toBeUndefined();
    expect(r['1'].context.lastModifiedBy).toBeUndefined();
    expect(r['1'].context.judgments).toBeUndefined();
    expect(r['1'].context.judgmentInputs).toEqual([{ value: 'ship' }]);
    expect(r['1'].context.restartDetails).toMatchObject({ restartedBy: 'rita', previousException: null });
    expect(r['1'].lastModified).toBeNull();
    expect(r['2'].status).toBe('NOT_STARTED');

    const again = await until(id, 'judgment RUNNING again', (e) => byRef(e)['1'].status === 'RUNNING');
    expect(byRef(again)['1'].startTime).toBeGreaterThanOrEqual(r['1'].context.restartDetails.restartTime);
    const ok = await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { judgmentStatus: 'continue', judgmentInput: 'ship' }, { 'x-spinnaker-user': 'ann' });
    expect(ok.status).toBe(200);
    const done = await until(id, 'end', ended);
    expect(done.status).toBe('SUCCEEDED');
    expect(byRef(done)['1'].context.judgmentInput).toBe('ship');
    expect(byRef(done)['2'].outputs).toEqual({ by: 'erin@example.com' });
  });

  it('restarting a later stage leaves the earlier ones as they were; a failed stage keeps its exception as previousException', async () => {
    const app = await save([
      { refId: '1', type: 'evaluateVariables', name: 'Vars', variables: [{ key: 'n', value: '${1 + 1}' }] },
      {
        refId: '2',
        requisiteStageRefIds: ['1'],
        type: 'checkPreconditions',
        name: 'Check',
        preconditions: [{ type: 'expression', context: { expression: '${false}' }, failPipeline: true }],
      },
      { refId: '3', requisiteStageRefIds: ['2'], type: 'wait', name: 'After', waitTime: 0 },
    ]);
    const id = await trigger(app);
    const failed = await until(id, 'end', ended);
    expect(failed.status).toBe('TERMINAL');
    const f = byRef(failed);
    expect(f['2'].status).toBe('TERMINAL');
    expect(f['3'].status).toBe('NOT_STARTED');
    const res = await h.api('PUT', `/pipelines/${id}/stages/${f['2'].id}/restart`);
    expect(res.status).toBe(200);
    const r = byRef(res.body);
    expect(r['1']).toEqual(f['1']); // untouched
    expect(r['2'].status).toBe('NOT_STARTED');
    expect(r['2'].context.exception).toBeUndefined();
    expect(r['2'].context.restartDetails.previousException).toEqual(f['2'].context.exception);
    expect(r['2'].context.restartDetails.restartedBy).toBe('anonymous');
    const again = await until(id, 'end', ended);
    expect(again.status).toBe('TERMINAL'); // the same precondition fails again
    expect(byRef(again)['2'].startTime).toBeGreaterThan(f['2'].startTime);
    expect(byRef(again)['1'].endTime).toBe(f['1'].endTime);
    expect((await h.api('PUT', `/pipelines/${id}/stages/${f['3'].id}/restart`)).status).toBe(409); // NOT_STARTED, not ended
    expect((await h.api('PUT', `/pipelines/${id}/stages/nope/restart`)).status).toBe(404);
  });
});

describe('limitConcurrent / maxConcurrentExecutions / keepWaitingPipelines', () => {
  async function skip(id: string) {
    const e = await until(id, 'wait RUNNING', (x) => byRef(x)['1'].status === 'RUNNING');
    const res = await h.api('PATCH', `/pipelines/${id}/stages/${byRef(e)['1'].id}`, { skipRemainingWait: true });
    expect(res.status).toBe(200);
  }

  it('limitConcurrent: a second execution waits NOT_STARTED and starts when the first ends', async () => {
    const app = await save([longWait()], { limitConcurrent: true, keepWaitingPipelines: true });
    const a = await trigger(app);
    await until(a, 'RUNNING', (e) => e.status === 'RUNNING');
    const b = await trigger(app);
    await sleep(400);
    const waiting = await get(b);
    expect(waiting.status).toBe('NOT_STARTED');
    expect(waiting.startTime).toBeNull();
    expect(byRef(waiting)['1'].status).toBe('NOT_STARTED');
    await skip(a);
    const aEnd = await until(a, 'end', ended);
    expect(aEnd.status).toBe('SUCCEEDED');
    const bRun = await until(b, 'RUNNING', (e) => e.status === 'RUNNING');
    expect(bRun.startTime).toBeGreaterThanOrEqual(aEnd.endTime);
    await skip(b);
    expect((await until(b, 'end', ended)).status).toBe('SUCCEEDED');
  });

  it('keepWaitingPipelines false (default): only the newest waiting execution runs, older waiting ones are CANCELED', async () => {
    const app = await save([longWait()], { limitConcurrent: true });
    const a = await trigger(app);
    await until(a, 'RUNNING', (e) => e.status === 'RUNNING');
    const b = await trigger(app);
    await sleep(200);
    const c = await trigger(app);
    await sleep(300);
    expect((await get(b)).status).toBe('NOT_STARTED');
    expect((await get(c)).status).toBe('NOT_STARTED');
    await skip(a);
    const bEnd = await until(b, 'CANCELED', (e) => e.status === 'CANCELED');
    expect(bEnd.canceled).toBe(true);
    expect(bEnd.canceledBy).toBe('system');
    expect(bEnd.cancellationReason).toContain(c);
    expect(byRef(bEnd)['1'].status).toBe('NOT_STARTED');
    await until(c, 'RUNNING', (e) => e.status === 'RUNNING');
    await h.api('PUT', `/pipelines/${c}/cancel`);
  });

  it('limitConcurrent: canceling the running execution starts the waiting one', async () => {
    const app = await save([longWait()], { limitConcurrent: true, keepWaitingPipelines: true });
    const a = await trigger(app);
    await until(a, 'RUNNING', (e) => e.status === 'RUNNING');
    const b = await trigger(app);
    await sleep(300);
    expect((await get(b)).status).toBe('NOT_STARTED');
    await h.api('PUT', `/pipelines/${a}/cancel`);
    await until(b, 'RUNNING', (e) => e.status === 'RUNNING');
    await h.api('PUT', `/pipelines/${b}/cancel`);
  });

  it('keepWaitingPipelines true: waiting executions run in the order they came', async () => {
    const app = await save([longWait()], { limitConcurrent: true, keepWaitingPipelines: true });
    const a = await trigger(app);
    await until(a, 'RUNNING', (e) => e.status === 'RUNNING');
    const b = await trigger(app);
    await sleep(200);
    const c = await trigger(app);
    await sleep(300);
    await skip(a);
    await until(b, 'RUNNING', (e) => e.status === 'RUNNING');
    await sleep(300);
    expect((await get(c)).status).toBe('NOT_STARTED');
    await skip(b);
    await until(c, 'RUNNING', (e) => e.status === 'RUNNING');
    await h.api('PUT', `/pipelines/${c}/cancel`);
  });

  it('maxConcurrentExecutions without limitConcurrent: N run at once, the next waits', async () => {
    const app = await save([longWait()], { limitConcurrent: false, maxConcurrentExecutions: 2, keepWaitingPipelines: true });
    const a = await trigger(app);
    const b = await trigger(app);
    await until(a, 'RUNNING', (e) => e.status === 'RUNNING');
    await until(b, 'RUNNING', (e) => e.status === 'RUNNING');
    const c = await trigger(app);
    await sleep(400);
    expect((await get(c)).status).toBe('NOT_STARTED');
    await skip(a);
    await until(c, 'RUNNING', (e) => e.status === 'RUNNING');
    expect((await get(b)).status).toBe('RUNNING');
    for (const id of [b, c]) await h.api('PUT', `/pipelines/${id}/cancel`);
  });

  it('without limitConcurrent nor maxConcurrentExecutions executions run side by side', async () => {
    const app = await save([longWait()]);
    const a = await trigger(app);
    const b = await trigger(app);
    await until(a, 'RUNNING', (e) => e.status === 'RUNNING');
    await until(b, 'RUNNING', (e) => e.status === 'RUNNING');
    for (const id of [a, b]) await h.api('PUT', `/pipelines/${id}/cancel`);
  });
});

describe('stageTimeoutMs on any stage type', () => {
  it.each([
    { options: {}, stage: 'TERMINAL', execution: 'TERMINAL', next: 'NOT_STARTED' },
    { options: { failPipeline: false }, stage: 'STOPPED', execution: 'SUCCEEDED', next: 'NOT_STARTED' },
    { options: { continuePipeline: true }, stage: 'FAILED_CONTINUE', execution: 'SUCCEEDED', next: 'SUCCEEDED' },
  ])('a wait running past stageTimeoutMs with $options ends $stage', async ({ options, stage, execution, next }) => {
    const app = await save([longWait('1', { stageTimeoutMs: 700, ...options }), { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'Next', waitTime: 0 }]);
    const id = await trigger(app);
    const e = await until(id, 'end', ended);
    expect(e.status).toBe(execution);
    const s = byRef(e);
    expect(s['1'].status).toBe(stage);
    expect(s['1'].endTime - s['1'].startTime).toBeGreaterThanOrEqual(700);
    expect(s['1'].endTime - s['1'].startTime).toBeLessThan(3000);
    expect(s['1'].context.exception.details.error).toContain('timed out after');
    expect(s['2'].status).toBe(next);
  });

  it('does not count time spent PAUSED', async () => {
    const app = await save([longWait('1', { stageTimeoutMs: 1000 })]);
    const id = await trigger(app);
    const running = await until(id, 'RUNNING', (e) => byRef(e)['1'].status === 'RUNNING');
    const started = byRef(running)['1'].startTime;
    await h.api('PUT', `/pipelines/${id}/pause`);
    await sleep(1300);
    const resumed = await h.api('PUT', `/pipelines/${id}/resume`);
    const pausedMs = resumed.body.paused.resumeTime - resumed.body.paused.pauseTime;
    await sleep(100);
    expect((await get(id)).status).toBe('RUNNING'); // 1.4 s after start, but only ~0.1-0.3 s of it running
    const e = await until(id, 'end', ended);
    expect(e.status).toBe('TERMINAL');
    expect(byRef(e)['1'].endTime - started - pausedMs).toBeGreaterThanOrEqual(1000);
    expect(byRef(e)['1'].endTime - started - pausedMs).toBeLessThan(2500);
  });
});
