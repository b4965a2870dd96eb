/**
 * StartStage: a NOT_STARTED stage whose upstream stages all ended in SUCCEEDED, FAILED_CONTINUE or SKIPPED becomes
 * RUNNING; its context's `${...}` are evaluated, its type's `start` runs, and its task is queued.
 */
import { isComplete, CONTINUABLE_STATUSES } from '../../model/status.js';
import { STAGE_TYPES } from '../stages/index.js';
import { evaluateStageContext } from '../expression-context.js';
import type { EngineMessage } from '../messages.js';
import { findStage, upstreamStages, type HandlerContext } from './context.js';

export async function startStage(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const execution = await h.execution(msg.executionId);
  const stage = findStage(execution, msg.stageId ?? '');
  if (!stage || stage.status !== 'NOT_STARTED' || isComplete(execution.status)) return;
  if (!upstreamStages(execution, stage).every((u) => CONTINUABLE_STATUSES.has(u.status))) return;
  const type = STAGE_TYPES.get(stage.type);
  stage.status = 'RUNNING';
  stage.startTime = h.now;
  stage.context = evaluateStageContext(execution, stage);
  for (const t of stage.tasks) {
    t.status = 'RUNNING';
    t.startTime = h.now;
  }
  const started = type ? type.start({ execution, stage, now: h.now }) : {};
  await h.save(execution);
  await h.publish([{ type: 'stage.starting', executionId: execution.id, stageId: stage.id }, ...(started.events ?? [])]);
  await h.push({ kind: 'RunTask', executionId: execution.id, stageId: stage.id });
}
