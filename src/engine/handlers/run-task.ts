/**
 * RunTask: runs a RUNNING stage's task once. Still running → queued again at the time the task asks for (or only
 * when woken, for a judgment); finished → the stage completes and what follows is queued.
 *
 * `stageTimeoutMs` on any stage (orca's RunTaskHandler `checkForTimeout`: the context's `stageTimeoutMs` overrides
 * the task's timeout): once the stage has been RUNNING longer than that — time spent PAUSED not counted, as orca's
 * `pausedDurationRelativeTo` — the stage ends in its failure status (TERMINAL, or STOPPED / FAILED_CONTINUE per
 * `failPipeline` / `continuePipeline`) with `context.exception` saying so. A still-running task is never scheduled
 * past the deadline. `manualJudgment` applies `stageTimeoutMs` itself (with `markSuccessfulOnTimeout`).
 */
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import { STAGE_TYPES, type TaskResult } from '../stages/index.js';
import type { EngineMessage } from '../messages.js';
import { findStage, type HandlerContext } from './context.js';
import { completeStage, failureStatus } from './complete-stage.js';
import { pausedMsSince } from './controls.js';
import { shortDuration } from '../stages/manual-judgment.js';

/** Stage types that apply `stageTimeoutMs` themselves. */
const OWN_TIMEOUT = new Set(['manualJudgment']);

/** When the stage times out (epoch ms), or null when it has no generic `stageTimeoutMs`. */
export function stageDeadline(execution: PipelineExecution, stage: StageExecution, now: number): number | null {
  const t = stage.context.stageTimeoutMs;
  if (OWN_TIMEOUT.has(stage.type) || typeof t !== 'number' || !(t > 0) || stage.startTime === null) return null;
  return stage.startTime + t + pausedMsSince(execution, stage.startTime, now);
}

/**
 * @param precomputed the result of the stage type's `execute`, run by the engine outside the transaction; when
 *   absent the type's synchronous `run` decides.
 */
export async function runTask(h: HandlerContext, msg: EngineMessage, precomputed?: TaskResult): Promise<void> {
  const execution = await h.execution(msg.executionId);
  const stage = findStage(execution, msg.stageId ?? '');
  if (!stage || stage.status !== 'RUNNING' || execution.status !== 'RUNNING') return;
  const type = STAGE_TYPES.get(stage.type);
  if (!type) {
    stage.context.exception = { details: { error: `unknown stage type ${stage.type}` } };
    await completeStage(h, execution, stage, 'TERMINAL');
    await h.save(execution);
    return;
  }
  const deadline = stageDeadline(execution, stage, h.now);
  if (deadline !== null && h.now >= deadline) {
    stage.context.exception = { details: { error: `Stage "${stage.name}" timed out after ${shortDuration(Number(stage.context.stageTimeoutMs))} (stageTimeoutMs ${String(stage.context.stageTimeoutMs)})` } };
    await completeStage(h, execution, stage, failureStatus(stage));
    await h.save(execution);
    return;
  }
  const result = precomputed ?? type.run({ execution, stage, now: h.now });
  if (result.status === 'RUNNING') {
    if (result.context) {
      Object.assign(stage.context, result.context);
      await h.save(execution);
    }
    await h.publish(result.events);
    const retryAt = deadline === null ? result.retryAt : Math.min(result.retryAt ?? deadline, deadline);
    if (retryAt !== null) await h.push({ kind: 'RunTask', executionId: execution.id, stageId: stage.id }, retryAt);
    return;
  }
  if (result.context) Object.assign(stage.context, result.context);
  if (result.outputs) Object.assign(stage.outputs, result.outputs);
  const status = result.status === 'TERMINAL' ? failureStatus(stage) : result.status;
  await completeStage(h, execution, stage, status);
  await h.save(execution);
  await h.publish(result.events);
}
