/**
 * What a stage type is to the engine: its config schema, what happens when it starts, what its task does each time
 * it runs, and what happens when it is canceled. One file per stage type under this folder (as orca has one
 * StageDefinitionBuilder per type); the registry in `index.ts` lists them.
 */
import type { z } from 'zod';
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import type { PipelineConfig } from '../../model/pipeline.js';
import type { ExecutionStatus } from '../../model/status.js';
import type { DomainEvent } from '../events.js';
import type { NetworkGuard } from './webhook/guard.js';

export interface StageRunContext {
  execution: PipelineExecution;
  stage: StageExecution;
  /** Epoch ms, the engine's clock. */
  now: number;
}

/** The trigger of an execution started by a stage (the `pipeline` stage's `{type: 'pipeline', parentExecution, ...}`). */
export interface ChildTrigger {
  type: string;
  user: string;
  parameters: Record<string, unknown>;
  [field: string]: unknown;
}

/** What {@link ExecutionLauncher.startChild} did. */
export type ChildStart =
  /** A new execution was stored (and queued to start); its id is now the stage's `executionId`. */
  | { outcome: 'started'; executionId: string; executionName: string }
  /** The stage already had an `executionId` (a re-run after a crash or a redelivery): nothing was started. */
  | { outcome: 'existing'; executionId: string; executionName: string }
  /** The child's parameters were refused, as `POST /pipelines/{app}/{name}` answers 400: `message` says why. */
  | { outcome: 'refused'; message: string }
  /** The stage (or its execution) is no longer RUNNING, e.g. canceled meanwhile: nothing was started. */
  | { outcome: 'stale' };

/**
 * Lets a stage's `execute` read pipeline configs and executions and start another execution (orca's
 * DependentPipelineStarter → ExecutionLauncher). Implemented by the engine over the store.
 */
export interface ExecutionLauncher {
  /** The pipeline config saved under `id`, or undefined. */
  pipelineConfig(id: string): Promise<PipelineConfig | undefined>;
  /** The execution stored under `id`, or undefined. */
  execution(id: string): Promise<PipelineExecution | undefined>;
  /**
   * Starts an execution of `config` for the RUNNING stage `parent.stageId` of execution `parent.executionId`, and in
   * the same transaction records the new execution's id and name in that stage's context and outputs
   * (`executionId`, `executionName`), so that no re-run can start a second one. Parameters resolve against the
   * child's `parameterConfig` as any trigger's do.
   */
  startChild(config: PipelineConfig, trigger: ChildTrigger, parent: { executionId: string; stageId: string }): Promise<ChildStart>;
}

/** What a stage's task decided on one run. */
export type TaskResult =
  | {
      /** Still running; run again at `retryAt` (epoch ms), or only when woken (e.g. by a judgment) when null. */
      status: 'RUNNING';
      retryAt: number | null;
      /** Merged into the stage's context. */
      context?: Record<string, unknown>;
      events?: DomainEvent[];
    }
  | {
      /** Finished. TERMINAL is mapped to the stage's failure status (STOPPED, FAILED_CONTINUE) by the engine. */
      status: Extract<ExecutionStatus, 'SUCCEEDED' | 'TERMINAL' | 'FAILED_CONTINUE' | 'STOPPED' | 'CANCELED'>;
      outputs?: Record<string, unknown>;
      context?: Record<string, unknown>;
      events?: DomainEvent[];
    };

export interface StageType {
  /** Spinnaker's stage `type` string. */
  readonly type: string;
  /** zod schema of the type's own fields on the stage config (common fields are validated by the engine). */
  readonly schema: z.ZodType;
  /**
   * Context keys StartStage leaves as written instead of evaluating at start, because the type evaluates them
   * itself in order (orca's EvaluateVariablesStage does this for `variables`).
   */
  readonly rawContextKeys?: readonly string[];
  /** Name of the single task shown in the execution's `tasks` (orca's task names, e.g. `waitForJudgment`). */
  readonly taskName: string;
  /** Called once when the stage starts, inside the StartStage transaction. Returns events to publish. */
  start(ctx: StageRunContext): { events?: DomainEvent[] };
  /**
   * Called by RunTask inside the handler's transaction; must be idempotent (a message may be delivered more than
   * once). Types whose task does I/O implement `execute` instead and make this return RUNNING.
   */
  run(ctx: StageRunContext): TaskResult;
  /**
   * For tasks that do I/O (HTTP calls, starting another pipeline's execution): run by the engine OUTSIDE any
   * database transaction, on a snapshot of the execution; the result is then applied in a transaction only if the
   * stage is still RUNNING (a cancel meanwhile wins). At least once: after a crash the call may be made again.
   * `signal` aborts when the engine stops or the work's lease is about to run out. Throwing retries the task
   * with backoff. `launcher` (always given by the engine; optional so callers of `execute` in tests may omit it)
   * reads configs and executions and starts child executions. `network` says where outbound HTTP may connect
   * (`webhook.allowedHosts`/`deniedCidrs`); absent, the default policy applies.
   */
  execute?(ctx: StageRunContext & { signal: AbortSignal; launcher?: ExecutionLauncher; network?: NetworkGuard }): Promise<TaskResult>;
  /** Called when a RUNNING stage is canceled (execution canceled or failed elsewhere). Returns events to publish. */
  onCancel?(ctx: StageRunContext): { events?: DomainEvent[] };
}
