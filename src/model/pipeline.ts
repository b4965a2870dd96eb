/**
 * Pipeline configuration as Spinnaker's Deck saves it (front50's pipeline JSON). Only the fields the engine
 * reads are typed; every other field a user sends is kept as-is and returned unchanged.
 */

/** One entry of `parameterConfig` (Deck's trigger parameter form). */
export interface ParameterConfig {
  name: string;
  label?: string;
  description?: string;
  required?: boolean;
  /** Default value used when the trigger does not supply the parameter. */
  default?: string | null;
  hasOptions?: boolean;
  options?: Array<{ value: string }>;
  pinned?: boolean;
}

/**
 * A notification preference as Deck saves it on a stage or a pipeline. For Slack, `address` is the channel name
 * (with or without `#`) or a channel id. `when` lists events: for a manual judgment stage `manualJudgment`
 * (awaiting), `manualJudgmentContinue`, `manualJudgmentStop`.
 */
export interface NotificationConfig {
  type: string;
  address: string;
  level?: 'stage' | 'pipeline' | string;
  when?: string[];
  message?: Record<string, { text?: string }>;
  [extra: string]: unknown;
}

/** A stage in a pipeline config. Stage-type-specific fields sit at the top level, as in Spinnaker. */
export interface StageConfig {
  refId: string;
  requisiteStageRefIds?: string[];
  type: string;
  name: string;
  /** When false the branch halts with the stage STOPPED instead of failing the execution. Default true. */
  failPipeline?: boolean;
  [field: string]: unknown;
}

export interface PipelineConfig {
  /** Assigned on save when absent (a UUID). */
  id: string;
  application: string;
  name: string;
  parameterConfig?: ParameterConfig[];
  stages: StageConfig[];
  triggers?: unknown[];
  notifications?: NotificationConfig[];
  keepWaitingPipelines?: boolean;
  limitConcurrent?: boolean;
  /** Epoch milliseconds, set by the service on each save (front50's `updateTs`, as a string there). */
  updateTs?: string;
  lastModifiedBy?: string;
  [field: string]: unknown;
}
