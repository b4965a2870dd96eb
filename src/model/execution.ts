import type { ExecutionStatus } from './status.js';
import type { PipelineConfig, StageConfig } from './pipeline.js';

/** Who changed a stage last, as orca's `StageExecution.lastModified` (`lastModifiedTime` is epoch ms). */
export interface LastModifiedDetails {
  user: string;
  allowedAccounts?: string[];
  lastModifiedTime: number;
}

/** How an execution was started, as Gate's `trigger` object of an execution. */
export interface Trigger {
  type: string;
  user: string;
  parameters: Record<string, string>;
  [field: string]: unknown;
}

/**
 * A stage of a running or finished execution, in the shape Gate's `GET /pipelines/{id}` returns.
 * `context` holds the stage's configuration fields (copied from the pipeline config) plus what the stage writes
 * while running (for a manual judgment: `judgmentStatus`, `judgmentInput`, `lastModifiedBy`).
 * Times are epoch milliseconds.
 */
export interface StageExecution {
  id: string;
  refId: string;
  type: string;
  name: string;
  status: ExecutionStatus;
  context: Record<string, unknown>;
  outputs: Record<string, unknown>;
  requisiteStageRefIds: string[];
  startTime: number | null;
  endTime: number | null;
  lastModified: LastModifiedDetails | null;
  /** Task-level view of the stage (Deck reads it); the engine keeps one task per stage. */
  tasks: Array<{ id: string; name: string; status: ExecutionStatus; startTime: number | null; endTime: number | null }>;
}

/** An execution of type PIPELINE in Gate's JSON shape. Times are epoch milliseconds. */
export interface PipelineExecution {
  id: string;
  type: 'PIPELINE';
  application: string;
  name: string;
  pipelineConfigId: string;
  status: ExecutionStatus;
  buildTime: number;
  startTime: number | null;
  endTime: number | null;
  canceled: boolean;
  canceledBy: string | null;
  cancellationReason: string | null;
  trigger: Trigger;
  stages: StageExecution[];
  /** The pipeline config as it was when triggered; later edits of the config do not change a running execution. */
  pipelineConfig: PipelineConfig;
}

export type { StageConfig };
