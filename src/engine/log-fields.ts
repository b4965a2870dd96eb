/**
 * The field names every log line about an execution or a stage carries, so that one query finds every line about
 * one execution whichever part wrote it (engine, notifications, Slack interactions, API):
 *
 * - `executionId`, `application`, `pipelineConfigId`: the execution (Spinnaker's words);
 * - `stageId`, `refId`, `stageType`: the stage (`stageType` is the stage's `type`, e.g. `manualJudgment`).
 *
 * Pure functions over the model; they copy only ids and names, never a context (which may hold parameters).
 */
import type { PipelineExecution, StageExecution } from '../model/execution.js';

/** Log fields of an execution: `{executionId, application, pipelineConfigId}`. */
export function executionLogFields(execution: Pick<PipelineExecution, 'id' | 'application' | 'pipelineConfigId'>): {
  executionId: string;
  application: string;
  pipelineConfigId: string;
} {
  return { executionId: execution.id, application: execution.application, pipelineConfigId: execution.pipelineConfigId };
}

/** Log fields of a stage: `{stageId, refId, stageType}`. */
export function stageLogFields(stage: Pick<StageExecution, 'id' | 'refId' | 'type'>): { stageId: string; refId: string; stageType: string } {
  return { stageId: stage.id, refId: stage.refId, stageType: stage.type };
}

/** Both, for a line about one stage of an execution. */
export function stageOfExecutionLogFields(execution: PipelineExecution, stage: StageExecution): ReturnType<typeof executionLogFields> & ReturnType<typeof stageLogFields> {
  return { ...executionLogFields(execution), ...stageLogFields(stage) };
}
