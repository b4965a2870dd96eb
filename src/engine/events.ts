/**
 * Domain events the engine publishes, written to the notification outbox in the same transaction as the state
 * change they report. The notifications layer turns them into deliveries; the engine knows nothing of channels.
 */
export type DomainEvent =
  | { type: 'judgment.awaiting'; executionId: string; stageId: string }
  | { type: 'judgment.decided'; executionId: string; stageId: string; judgmentStatus: 'continue' | 'stop' }
  | { type: 'judgment.ended'; executionId: string; stageId: string; status: string }
  | { type: 'execution.completed'; executionId: string; status: string };

/** Outbox kind under which domain events are stored. */
export const EVENT_OUTBOX_KIND = 'event';

/** Unique key of an event: the same event written twice (a redelivered queue message) is kept once. */
export function eventKey(e: DomainEvent): string {
  switch (e.type) {
    case 'judgment.awaiting':
      return `event:${e.type}:${e.executionId}:${e.stageId}`;
    case 'judgment.decided':
      return `event:${e.type}:${e.executionId}:${e.stageId}`;
    case 'judgment.ended':
      return `event:${e.type}:${e.executionId}:${e.stageId}`;
    case 'execution.completed':
      return `event:${e.type}:${e.executionId}:`;
  }
}
