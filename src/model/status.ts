/**
 * Execution and stage statuses, spelled and grouped as Spinnaker's orca spells them
 * (`com.netflix.spinnaker.orca.api.pipeline.models.ExecutionStatus`).
 */
export const EXECUTION_STATUSES = [
  'NOT_STARTED',
  'RUNNING',
  'PAUSED',
  'SUSPENDED',
  'SUCCEEDED',
  'FAILED_CONTINUE',
  'TERMINAL',
  'CANCELED',
  'STOPPED',
  'SKIPPED',
  'BUFFERED',
] as const;

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** Statuses after which nothing more happens to the stage or execution (orca's `isComplete`). */
export const COMPLETED_STATUSES: ReadonlySet<ExecutionStatus> = new Set([
  'SUCCEEDED',
  'FAILED_CONTINUE',
  'TERMINAL',
  'CANCELED',
  'STOPPED',
  'SKIPPED',
]);

/** Statuses of an upstream stage that let its downstream stages start (orca: SUCCEEDED, FAILED_CONTINUE, SKIPPED). */
export const CONTINUABLE_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['SUCCEEDED', 'FAILED_CONTINUE', 'SKIPPED']);

/** Statuses that halt the branch they occur in (orca's `isHalt`). */
export const HALT_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['TERMINAL', 'CANCELED', 'STOPPED']);

export function isComplete(status: ExecutionStatus): boolean {
  return COMPLETED_STATUSES.has(status);
}
