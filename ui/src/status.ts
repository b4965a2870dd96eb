import type { ExecutionStatus, StageExecution } from './api';

const DONE = new Set<ExecutionStatus>(['SUCCEEDED', 'FAILED_CONTINUE', 'TERMINAL', 'CANCELED', 'STOPPED', 'SKIPPED']);

/** orca's isComplete: nothing more happens after these statuses. */
export function isComplete(s: ExecutionStatus): boolean {
  return DONE.has(s);
}

/** A manualJudgment stage that is running and has no decision yet. */
export function isAwaitingJudgment(s: StageExecution): boolean {
  return s.type === 'manualJudgment' && s.status === 'RUNNING' && s.context.judgmentStatus === undefined;
}
