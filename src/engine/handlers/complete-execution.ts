/**
 * CompleteExecution: decides whether the execution is over and with which status, as orca's
 * CompleteExecutionHandler: all stages SUCCEEDED/SKIPPED/FAILED_CONTINUE → SUCCEEDED; any TERMINAL → TERMINAL;
 * any CANCELED → CANCELED; any STOPPED once no other branch can still progress → SUCCEEDED (TERMINAL when a
 * stopped stage has `completeOtherBranchesThenFail`). Otherwise the execution goes on (the running stages queue
 * this message again when they end). A non-SUCCEEDED end cancels the stages still running.
 *
 * A PAUSED execution is not completed here (its paused stages are not over); ResumeExecution queues this message
 * again. When the execution ends and its config limits concurrency, `StartWaitingExecutions` is queued in the same
 * transaction (orca's CompleteExecutionHandler does the same).
 */
import type { PipelineExecution } from '../../model/execution.js';
import { CONTINUABLE_STATUSES, isComplete, type ExecutionStatus } from '../../model/status.js';
import type { EngineMessage } from '../messages.js';
import { upstreamStages, type HandlerContext } from './context.js';
import { cancelRunningStages } from './cancel-execution.js';
import { queueStartWaiting } from './start-waiting.js';

export function finalStatus(execution: PipelineExecution): ExecutionStatus | null {
  const stages = execution.stages;
  if (stages.every((s) => CONTINUABLE_STATUSES.has(s.status))) return 'SUCCEEDED';
  if (stages.some((s) => s.status === 'TERMINAL')) return 'TERMINAL';
  if (stages.some((s) => s.status === 'CANCELED')) return 'CANCELED';
  const otherBranchesIncomplete =
    stages.some((s) => s.status === 'RUNNING' || s.status === 'SUSPENDED' || s.status === 'PAUSED') ||
    stages.some((s) => s.status === 'NOT_STARTED' && upstreamStages(execution, s).every((u) => CONTINUABLE_STATUSES.has(u.status)));
  if (stages.some((s) => s.status === 'STOPPED') && !otherBranchesIncomplete) {
    return stages.some((s) => s.status === 'STOPPED' && s.context.completeOtherBranchesThenFail === true) ? 'TERMINAL' : 'SUCCEEDED';
  }
  return null;
}

export async function completeExecution(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const execution = await h.execution(msg.executionId);
  if (isComplete(execution.status) || execution.status === 'PAUSED') return;
  const status = finalStatus(execution);
  if (status === null) return;
  execution.status = status;
  execution.endTime = h.now;
  if (status !== 'SUCCEEDED') await cancelRunningStages(h, execution);
  await h.save(execution);
  await h.publish([{ type: 'execution.completed', executionId: execution.id, status }]);
  await queueStartWaiting(h, execution);
}
