/** StartExecution: the execution becomes RUNNING and its initial stages (no requisites) are started. */
import type { EngineMessage } from '../messages.js';
import type { HandlerContext } from './context.js';

export async function startExecution(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const execution = await h.execution(msg.executionId);
  if (execution.status !== 'NOT_STARTED') return; // redelivered: already started
  if (execution.canceled) {
    execution.status = 'CANCELED';
    execution.endTime = h.now;
    await h.save(execution);
    return;
  }
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
