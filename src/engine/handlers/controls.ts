/**
 * Execution controls that a person asks for through Gate's paths, each applied in one transaction together with the
 * queue messages that follow from it:
 *
 * - pause / resume (`PUT /pipelines/{id}/pause`, `/resume`), as orca's TaskController → ExecutionRepository.pause /
 *   resume and PauseExecutionHandler / PauseStageHandler / ResumeExecutionHandler / ResumeStageHandler /
 *   ResumeTaskHandler: pausing a RUNNING execution makes it PAUSED, its RUNNING stages and tasks PAUSED, and records
 *   `paused: {pausedBy, pauseTime}`; a task does not run while paused (RunTask finds no RUNNING stage; orca pushes
 *   PauseTask) and no stage starts. Resuming sets `paused.resumedBy/resumeTime`, makes the PAUSED stages and tasks
 *   RUNNING again and queues their RunTask. A `wait` keeps its deadline from the stage's start (orca's WaitTask reads
 *   only `startTime + waitTime`, so time spent paused is NOT added: a wait whose deadline passed while paused ends at
 *   once on resume); task timeouts (`stageTimeoutMs`) do subtract the pause, as orca's RunTaskHandler
 *   (`pausedDurationRelativeTo`) — see `pausedMsSince`.
 * - `skipRemainingWait` on a running `wait` stage (orca: `PATCH /pipelines/{id}/stages/{stageId}` merges the body into
 *   the stage context; WaitTask then answers SUCCEEDED).
 * - restart of a stage (`PUT /pipelines/{id}/stages/{stageId}/restart`), as orca's RestartStageHandler: only a stage
 *   that has ended may be restarted; it and every stage downstream of it that has ended go back to NOT_STARTED (no
 *   start/end time, tasks reset), the restarted stage records `restartDetails {restartedBy, restartTime,
 *   previousException}`, the execution becomes RUNNING again, and StartStage is queued. Where orca keeps the context
 *   and lets each stage type clear its own fields (`prepareStageForRestart`: a manual judgment drops its decision),
 *   this service puts the context back to the stage's config (judgment fields, approvals, attempts, reminders,
 *   evaluated expressions all go) and clears `outputs`, so the stage runs exactly as it first would.
 * - delete (`DELETE /pipelines/{id}`), as orca's TaskController.deletePipeline: only an execution that has ended may
 *   be deleted; otherwise the answer is a conflict ("cancel it first"), as orca's CannotDeleteRunningExecution.
 */
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import { CONTINUABLE_STATUSES, isComplete } from '../../model/status.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors.js';
import { downstreamStages, findStage, upstreamStages, type HandlerContext } from './context.js';

/** orca's `PausedDetails` on an execution (times epoch ms). */
export interface PausedDetails {
  pausedBy: string;
  pauseTime: number;
  resumedBy: string | null;
  resumeTime: number | null;
}

type WithPaused = PipelineExecution & { paused?: PausedDetails };

/** Fields of a stage config that are not part of the stage's `context` (as in `build.ts`). */
const STAGE_TOP_LEVEL = new Set(['refId', 'requisiteStageRefIds', 'type', 'name']);

/**
 * Milliseconds the execution spent paused after `since` (epoch ms), as orca's `pausedDurationRelativeTo`: the last
 * pause counts when it began after `since` and has ended; a pause still going on counts up to `now`.
 */
export function pausedMsSince(execution: PipelineExecution, since: number, now: number): number {
  const p = (execution as WithPaused).paused;
  if (!p || p.pauseTime < since) return 0;
  return Math.max(0, (p.resumeTime ?? now) - p.pauseTime);
}

async function load(h: HandlerContext, executionId: string): Promise<PipelineExecution> {
  const e = await h.tx.executions.get(executionId);
  if (!e) throw new NotFoundError(`execution ${executionId} not found`);
  return e;
}

function stageOf(execution: PipelineExecution, stageId: string): StageExecution {
  const stage = findStage(execution, stageId);
  if (!stage) throw new NotFoundError(`stage ${stageId} not found in execution ${execution.id}`);
  return stage;
}

/** Pauses a RUNNING execution. @throws ConflictError when it is not RUNNING. */
export async function pauseInTransaction(h: HandlerContext, executionId: string, user: string): Promise<PipelineExecution> {
  const execution = await load(h, executionId);
  if (execution.status !== 'RUNNING' || execution.canceled) {
    throw new ConflictError(`execution ${executionId} is ${execution.canceled ? 'being canceled' : execution.status}; only a RUNNING execution can be paused`);
  }
  execution.status = 'PAUSED';
  (execution as WithPaused).paused = { pausedBy: user, pauseTime: h.now, resumedBy: null, resumeTime: null };
  for (const stage of execution.stages.filter((s) => s.status === 'RUNNING')) {
    stage.status = 'PAUSED';
    for (const t of stage.tasks) if (t.status === 'RUNNING') t.status = 'PAUSED';
  }
  await h.save(execution);
  return execution;
}

/** Resumes a PAUSED execution. @throws ConflictError when it is not PAUSED. */
export async function resumeInTransaction(h: HandlerContext, executionId: string, user: string): Promise<PipelineExecution> {
  const execution = await load(h, executionId);
  if (execution.status !== 'PAUSED') throw new ConflictError(`execution ${executionId} is ${execution.status}; only a PAUSED execution can be resumed`);
  execution.status = 'RUNNING';
  const paused = (execution as WithPaused).paused;
  if (paused) Object.assign(paused, { resumedBy: user, resumeTime: h.now });
  let pushed = 0;
  for (const stage of execution.stages) {
    if (stage.status === 'PAUSED') {
      stage.status = 'RUNNING';
      for (const t of stage.tasks) if (t.status === 'PAUSED') t.status = 'RUNNING';
      await h.push({ kind: 'RunTask', executionId, stageId: stage.id });
      pushed++;
    } else if (
      (stage.status === 'NOT_STARTED' || stage.status === 'SUSPENDED') &&
      upstreamStages(execution, stage).every((u) => CONTINUABLE_STATUSES.has(u.status))
    ) {
      // a StartStage that arrived while paused was dropped; StartStage ignores a stage already started
      await h.push({ kind: 'StartStage', executionId, stageId: stage.id });
      pushed++;
    }
  }
  await h.save(execution);
  if (pushed === 0) await h.push({ kind: 'CompleteExecution', executionId });
  return execution;
}

/**
 * Sets `skipRemainingWait` on a `wait` stage that is RUNNING (or PAUSED: it then ends on resume) and queues its task.
 * @throws BadRequestError when the stage is not a wait; ConflictError when it is not waiting.
 */
export async function skipRemainingWaitInTransaction(h: HandlerContext, executionId: string, stageId: string, user: string): Promise<PipelineExecution> {
  const execution = await load(h, executionId);
  const stage = stageOf(execution, stageId);
  if (stage.status === 'SUSPENDED') {
    // A stage waiting for its execution window (Deck's "skip remaining window"): start it now.
    stage.context.skipRemainingWait = true;
    stage.lastModified = { user, allowedAccounts: [], lastModifiedTime: h.now };
    await h.save(execution);
    await h.push({ kind: 'StartStage', executionId, stageId: stage.id });
    return execution;
  }
  if (stage.type !== 'wait') {
    throw new BadRequestError(`stage ${stage.id} ("${stage.name}") is a ${stage.type} stage; skipRemainingWait applies to wait stages and stages waiting for their execution window`, [
      { path: 'body.skipRemainingWait', message: 'the stage is not a wait stage' },
    ]);
  }
  if (stage.status !== 'RUNNING' && stage.status !== 'PAUSED') throw new ConflictError(`stage ${stage.id} ("${stage.name}") is not waiting (status ${stage.status})`);
  stage.context.skipRemainingWait = true;
  stage.lastModified = { user, allowedAccounts: [], lastModifiedTime: h.now };
  await h.save(execution);
  if (stage.status === 'RUNNING') await h.push({ kind: 'RunTask', executionId, stageId: stage.id });
  return execution;
}

/** The stage's context as its config gives it (a deep copy), or its current one when the config lacks the stage. */
function configContext(execution: PipelineExecution, stage: StageExecution): Record<string, unknown> {
  const config = execution.pipelineConfig?.stages?.find((s) => String(s.refId) === stage.refId);
  if (!config) return stage.context;
  const context: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!STAGE_TOP_LEVEL.has(k)) context[k] = structuredClone(v);
  return context;
}

/** Resets `stage` (when it has ended) and, recursively, the stages downstream of it. */
function reset(execution: PipelineExecution, stage: StageExecution, seen: Set<string>, generation: number): void {
  if (seen.has(stage.id)) return;
  seen.add(stage.id);
  if (isComplete(stage.status)) {
    stage.status = 'NOT_STARTED';
    stage.startTime = null;
    stage.endTime = null;
    stage.lastModified = null;
    stage.context = configContext(execution, stage);
    stage.outputs = {};
    for (const t of stage.tasks) Object.assign(t, { status: 'NOT_STARTED', startTime: null, endTime: null });
    // A new run of the stage: its events and notifications are new too (a fresh Slack message for a judgment).
    stage.context.restartGeneration = generation;
  }
  for (const next of downstreamStages(execution, stage)) reset(execution, next, seen, generation);
}

/**
 * Restarts an ended stage and what follows it.
 * @throws ConflictError when the stage has not ended, an upstream stage did not end in a continuable status, or the
 *   execution is PAUSED (resume it first).
 */
export async function restartStageInTransaction(h: HandlerContext, executionId: string, stageId: string, user: string): Promise<PipelineExecution> {
  const execution = await load(h, executionId);
  const stage = stageOf(execution, stageId);
  if (!isComplete(stage.status)) throw new ConflictError(`stage ${stage.id} ("${stage.name}") is ${stage.status}; only a stage that has ended can be restarted`);
  if (execution.status === 'PAUSED') throw new ConflictError(`execution ${executionId} is PAUSED; resume it before restarting a stage`);
  const blocked = upstreamStages(execution, stage).filter((u) => !CONTINUABLE_STATUSES.has(u.status));
  if (blocked.length > 0) {
    throw new ConflictError(
      `stage ${stage.id} ("${stage.name}") cannot start: upstream ${blocked.map((u) => `"${u.name}" is ${u.status}`).join(', ')}; restart that stage instead`,
    );
  }
  const previousException = stage.context.exception ?? null;
  const resetIds = new Set<string>();
  reset(execution, stage, resetIds, h.now);
  stage.context.restartDetails = { restartedBy: user, restartTime: h.now, previousException };
  // The old Slack messages stay as they are (history); the new run posts its own.
  for (const id of resetIds) await h.tx.slackMessages.deleteForStage(executionId, id);
  if (isComplete(execution.status)) {
    execution.status = 'RUNNING';
    execution.endTime = null;
    // an ended, canceled execution that is restarted runs again (orca's restart only looks at the stage)
    execution.canceled = false;
    execution.canceledBy = null;
    execution.cancellationReason = null;
  }
  await h.save(execution);
  await h.push({ kind: 'StartStage', executionId, stageId: stage.id });
  return execution;
}

/** Deletes an ended execution. @throws ConflictError when it has not ended. */
export async function deleteInTransaction(h: HandlerContext, executionId: string): Promise<void> {
  const execution = await load(h, executionId);
  if (!isComplete(execution.status)) {
    throw new ConflictError(`execution ${executionId} is ${execution.status}; cancel it first (PUT /pipelines/${executionId}/cancel), then delete it`);
  }
  await h.tx.executions.delete(executionId);
}
