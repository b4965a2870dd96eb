/**
 * Ending a stage and starting what follows, as orca's CompleteStageHandler: a stage that ends SUCCEEDED,
 * FAILED_CONTINUE or SKIPPED starts each downstream stage whose upstream stages are all done; any other ending
 * (TERMINAL, STOPPED, CANCELED) halts its branch. Either way CompleteExecution is queued when nothing new started,
 * and it decides whether the execution is over.
 */
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import { CONTINUABLE_STATUSES, type ExecutionStatus } from '../../model/status.js';
import { downstreamStages, upstreamStages, type HandlerContext } from './context.js';

/**
 * Maps a task's TERMINAL to the stage's failure status, as orca's `failureStatus()`: `continuePipeline: true` →
 * FAILED_CONTINUE, `failPipeline: false` → STOPPED, otherwise TERMINAL.
 */
export function failureStatus(stage: StageExecution): ExecutionStatus {
  if (stage.context.continuePipeline === true) return 'FAILED_CONTINUE';
  if (stage.context.failPipeline === false) return 'STOPPED';
  return 'TERMINAL';
}

/** Sets the stage's final status and queues what follows. The caller saves the execution. */
export async function completeStage(
  h: HandlerContext,
  execution: PipelineExecution,
  stage: StageExecution,
  status: ExecutionStatus,
): Promise<void> {
  stage.status = status;
  stage.endTime = h.now;
  for (const t of stage.tasks) {
    if (t.status === 'RUNNING' || t.status === 'NOT_STARTED') t.status = status;
    t.endTime = h.now;
  }
  await h.publish([{ type: 'stage.completed', executionId: execution.id, stageId: stage.id, status }]);
  let started = 0;
  if (CONTINUABLE_STATUSES.has(status)) {
    for (const next of downstreamStages(execution, stage)) {
      if (next.status === 'NOT_STARTED' && upstreamStages(execution, next).every((u) => CONTINUABLE_STATUSES.has(u.status))) {
        await h.push({ kind: 'StartStage', executionId: execution.id, stageId: next.id });
        started++;
      }
    }
  }
  if (started === 0) await h.push({ kind: 'CompleteExecution', executionId: execution.id });
}
