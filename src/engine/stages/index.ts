/** The stage types this service runs. Adding a type: one file in this folder and one line here. */
import type { StageType } from './types.js';
import { waitStage } from './wait.js';
import { manualJudgmentStage } from './manual-judgment.js';

export const STAGE_TYPES: ReadonlyMap<string, StageType> = new Map(
  [waitStage, manualJudgmentStage].map((t) => [t.type, t]),
);

export type { StageType, TaskResult, StageRunContext } from './types.js';
