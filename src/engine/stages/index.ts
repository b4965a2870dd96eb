/** The stage types this service runs. Adding a type: one file in this folder and one line here. */
import type { StageType } from './types.js';
import { waitStage } from './wait.js';
import { manualJudgmentStage } from './manual-judgment.js';
import { evaluateVariablesStage } from './evaluate-variables.js';
import { checkPreconditionsStage } from './check-preconditions.js';
import { webhookStage } from './webhook.js';
import { pipelineStage } from './pipeline.js';

export const STAGE_TYPES: ReadonlyMap<string, StageType> = new Map(
  [
    waitStage,
    manualJudgmentStage,
    evaluateVariablesStage,
    checkPreconditionsStage,
    webhookStage,
    pipelineStage,
  ].map((t) => [t.type, t]),
);

export type { StageType, TaskResult, StageRunContext } from './types.js';
