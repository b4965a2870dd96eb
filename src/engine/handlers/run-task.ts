/**
 * RunTask: runs a RUNNING stage's task once. Still running → queued again at the time the task asks for (or only
 * when woken, for a judgment); finished → the stage completes and what follows is queued.
 */
import { STAGE_TYPES, type TaskResult } from '../stages/index.js';
import type { EngineMessage } from '../messages.js';
import { findStage, type HandlerContext } from './context.js';
import { completeStage, failureStatus } from './complete-stage.js';

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
  const result = precomputed ?? type.run({ execution, stage, now: h.now });
  if (result.status === 'RUNNING') {
    if (result.context) {
      Object.assign(stage.context, result.context);
      await h.save(execution);
    }
    await h.publish(result.events);
    if (result.retryAt !== null) await h.push({ kind: 'RunTask', executionId: execution.id, stageId: stage.id }, result.retryAt);
    return;
  }
  if (result.context) Object.assign(stage.context, result.context);
  if (result.outputs) Object.assign(stage.outputs, result.outputs);
  const status = result.status === 'TERMINAL' ? failureStatus(stage) : result.status;
  await completeStage(h, execution, stage, status);
  await h.save(execution);
  await h.publish(result.events);
}
