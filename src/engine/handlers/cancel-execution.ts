/**
 * CancelExecution (Gate's `PUT /pipelines/{id}/cancel`): running stages become CANCELED (a pending judgment's
 * Slack message is updated through the stage's `onCancel` event) and the execution ends CANCELED. A running
 * `pipeline` stage's child execution is canceled too.
 */
import type { PipelineExecution } from '../../model/execution.js';
import { isComplete } from '../../model/status.js';
import { STAGE_TYPES } from '../stages/index.js';
import { childExecutionId } from '../stages/pipeline.js';
import type { EngineMessage } from '../messages.js';
import type { HandlerContext } from './context.js';
import { queueStartWaiting } from './start-waiting.js';

/**
 * Marks every RUNNING, PAUSED or SUSPENDED (waiting for its time window) stage CANCELED and publishes the stage
 * types' cancel events. The caller saves.
 */
export async function cancelRunningStages(h: HandlerContext, execution: PipelineExecution): Promise<void> {
  for (const stage of execution.stages.filter((s) => s.status === 'RUNNING' || s.status === 'PAUSED' || s.status === 'SUSPENDED')) {
    stage.status = 'CANCELED';
    stage.endTime = h.now;
    for (const t of stage.tasks) {
      if (!isComplete(t.status)) t.status = 'CANCELED';
      t.endTime = h.now;
    }
    const type = STAGE_TYPES.get(stage.type);
    await h.publish(type?.onCancel?.({ execution, stage, now: h.now }).events);
    const child = childExecutionId(stage);
    if (child) await cancelChild(h, execution, child);
  }
}

/**
 * Flags a `pipeline` stage's child execution canceled and queues its CancelExecution (orca's `PipelineStage.cancel`,
 * which cancels the child as "parent pipeline"); a child already finished or canceled is left alone.
 *
 * Locks (PostgreSQL): the caller holds the parent's row lock and this takes the child's (`executions.get` in a
 * transaction is `FOR UPDATE`). Every path that holds two execution locks takes them ancestor first — here, and
 * CompleteExecution → cancelRunningStages the same way; the child's own handlers, judgments and controls lock the
 * child alone (a `pipeline` stage reads its child, and a child never reads its parent, outside any transaction);
 * siblings are only ever locked together under their parent's lock. With one order, two transactions cannot wait on
 * each other (no deadlock); the worst is that one waits for the other's commit.
 */
async function cancelChild(h: HandlerContext, parent: PipelineExecution, childId: string): Promise<void> {
  const child = await h.tx.executions.get(childId);
  if (!child || isComplete(child.status) || child.canceled) return;
  child.canceled = true;
  child.canceledBy = parent.canceledBy ?? 'parent pipeline';
  child.cancellationReason = `parent execution ${parent.id} (${parent.name}) ${parent.canceled ? 'was canceled' : `ended ${parent.status}`}`;
  await h.save(child);
  await h.push({ kind: 'CancelExecution', executionId: child.id });
}

export async function cancelExecution(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const execution = await h.execution(msg.executionId);
  if (isComplete(execution.status)) return;
  await cancelRunningStages(h, execution);
  const started = execution.startTime !== null;
  execution.status = 'CANCELED';
  execution.endTime = h.now;
  await h.save(execution);
  await h.publish([{ type: 'execution.completed', executionId: execution.id, status: 'CANCELED' }]);
  // A canceled execution frees its concurrency slot (limitConcurrent): start the next waiting one. One that
  // never started held no slot.
  if (started) await queueStartWaiting(h, execution);
}
