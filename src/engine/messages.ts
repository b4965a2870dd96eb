/**
 * The engine's queue messages, after orca's (`StartExecution`, `StartStage`, `RunTask`, `CompleteExecution`,
 * `CancelExecution`, `StartWaitingExecutions`). Each is handled by one file in `handlers/`, in one transaction with
 * the messages it pushes.
 *
 * `StartWaitingExecutions` carries the id of the execution that just ended; its handler starts the next execution
 * of the same pipeline config that waits because of `limitConcurrent` / `maxConcurrentExecutions`.
 */
export type MessageKind = 'StartExecution' | 'StartStage' | 'RunTask' | 'CompleteExecution' | 'CancelExecution' | 'StartWaitingExecutions';

export interface EngineMessage {
  kind: MessageKind;
  executionId: string;
  stageId?: string | null;
  payload?: Record<string, unknown>;
}
