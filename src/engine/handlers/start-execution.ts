/**
 * StartExecution: the execution becomes RUNNING and its initial stages (no requisites) are started — unless its
 * pipeline config limits concurrent executions and the limit is reached: then it stays NOT_STARTED, waiting, and
 * `StartWaitingExecutions` starts it when a running one ends (orca's StartExecutionHandler → `shouldQueue()` →
 * PendingExecutionService.enqueue; see `start-waiting.ts`).
 */
import type { EngineMessage } from '../messages.js';
import type { HandlerContext } from './context.js';
import { shouldQueue } from './start-waiting.js';

export async function startExecution(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const execution = await h.execution(msg.executionId);
  if (execution.status !== 'NOT_STARTED') return; // redelivered: already started
  if (execution.canceled) {
    execution.status = 'CANCELED';
    execution.endTime = h.now;
    await h.save(execution);
    return;
  }
  if (await shouldQueue(h, execution)) return; // waits NOT_STARTED; StartWaitingExecutions pushes this message again
  execution.status = 'RUNNING';
  execution.startTime = h.now;
  await h.save(execution);
  await h.publish([{ type: 'execution.starting', executionId: execution.id }]);
  const initial = execution.stages.filter((s) => s.requisiteStageRefIds.length === 0);
  if (initial.length === 0) {
    await h.push({ kind: 'CompleteExecution', executionId: execution.id });
    return;
  }
  for (const s of initial) await h.push({ kind: 'StartStage', executionId: execution.id, stageId: s.id });
}
