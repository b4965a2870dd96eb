/**
 * The engine's queue messages, after orca's (`StartExecution`, `StartStage`, `RunTask`, `CompleteExecution`,
 * `CancelExecution`). Each is handled by one file in `handlers/`, in one transaction with the messages it pushes.
 */
export type MessageKind = 'StartExecution' | 'StartStage' | 'RunTask' | 'CompleteExecution' | 'CancelExecution';

export interface EngineMessage {
  kind: MessageKind;
  executionId: string;
  stageId?: string | null;
  payload?: Record<string, unknown>;
}
