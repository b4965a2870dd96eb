/**
 * Domain events the engine publishes, written to the notification outbox in the same transaction as the state
 * change they report. The notifications layer turns them into deliveries; the engine knows nothing of channels.
 */
/**
 * Stage-scoped events carry `gen`, the stage's restart generation (absent before any restart), so that a restarted
 * stage's events and notifications are new rather than deduplicated against the first run's.
 */
export type DomainEvent =
  | { type: 'execution.starting'; executionId: string }
  | { type: 'execution.completed'; executionId: string; status: string }
  | { type: 'stage.starting'; executionId: string; stageId: string; gen?: number }
  | { type: 'stage.completed'; executionId: string; stageId: string; gen?: number; status: string }
  | { type: 'judgment.awaiting'; executionId: string; stageId: string; gen?: number }
  /** An approval was counted while more are needed (`requiredApprovals`). */
  | { type: 'judgment.approval'; executionId: string; stageId: string; gen?: number; count: number }
  | { type: 'judgment.decided'; executionId: string; stageId: string; gen?: number; judgmentStatus: 'continue' | 'stop' }
  /** The stage ended without a judgment: `status` is "TIMED_OUT", "CANCELED" or the stage's status. */
  | { type: 'judgment.ended'; executionId: string; stageId: string; gen?: number; status: string }
  /** `notifyEveryMs` elapsed again while awaiting; `seq` counts reminders from 1. */
  | { type: 'judgment.reminder'; executionId: string; stageId: string; gen?: number; seq: number };

/** Outbox kind under which domain events are stored. */
export const EVENT_OUTBOX_KIND = 'event';

/** Unique key of an event: the same event written twice (a redelivered queue message) is kept once. */
export function eventKey(e: DomainEvent): string {
  const stage = 'stageId' in e ? e.stageId : '';
  const suffix = e.type === 'judgment.approval' ? `:${e.count}` : e.type === 'judgment.reminder' ? `:${e.seq}` : '';
  const gen = 'gen' in e && typeof e.gen === 'number' ? `:g${e.gen}` : '';
  return `event:${e.type}:${e.executionId}:${stage}${suffix}${gen}`;
}
