/**
 * CancelExecution (Gate's `PUT /pipelines/{id}/cancel`): running stages become CANCELED (a pending judgment's
 * Slack message is updated through the stage's `onCancel` event) and the execution ends CANCELED.
 */
import type { PipelineExecution } from '../../model/execution.js';
import { isComplete } from '../../model/status.js';
import { STAGE_TYPES } from '../stages/index.js';
import type { EngineMessage } from '../messages.js';
import type { HandlerContext } from './context.js';

/** Marks every RUNNING stage CANCELED and publishes the stage types' cancel events. The caller saves. */
export async function cancelRunningStages(h: HandlerContext, execution: PipelineExecution): Promise<void> {
  for (const stage of execution.stages.filter((s) => s.status === 'RUNNING')) {
    stage.status = 'CANCELED';
    stage.endTime = h.now;
    for (const t of stage.tasks) {
      if (!isComplete(t.status)) t.status = 'CANCELED';
      t.endTime = h.now;
    }
    const type = STAGE_TYPES.get(stage.type);
    await h.publish(type?.onCancel?.({ execution, stage, now: h.now }).events);
  }
}

export async function cancelExecution(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const execution = await h.execution(msg.executionId);
  if (isComplete(execution.status)) return;
  await cancelRunningStages(h, execution);
  execution.status = 'CANCELED';
  execution.endTime = h.now;
  await h.save(execution);
  await h.publish([{ type: 'execution.completed', executionId: execution.id, status: 'CANCELED' }]);
}
