/**
 * Delivers the notification outbox. Domain events written by the engine are fanned out into deliveries (in one
 * transaction with marking the event done); deliveries are handed to the handler of their kind and retried with
 * backoff until they succeed, fail for good, or run out of attempts. Delivery is at least once; the handlers make
 * it effectively once (a posted message's ref is recorded before the item is marked delivered, and a handler
 * that finds the ref posts nothing).
 */
import type { Logger } from 'pino';
import type { Store, OutboxItem } from '../store/index.js';
import { WorkLoop } from '../lib/work-loop.js';
import { EVENT_OUTBOX_KIND, type DomainEvent } from '../engine/events.js';
import { deliveriesFor } from './fan-out.js';

export type DeliveryResult =
  | { result: 'delivered' }
  /** Try again after `afterMs`; `quiet` for an expected wait (not an error: nothing logged or recorded). */
  | { result: 'retry'; afterMs: number; error: string; quiet?: boolean }
  | { result: 'failed'; error: string };

export type DeliveryHandler = (item: OutboxItem) => Promise<DeliveryResult>;

export interface DispatcherOptions {
  store: Store;
  logger: Logger;
  /** Handlers by outbox kind (e.g. the Slack ones); kinds without a handler fail with a reason. */
  handlers: Record<string, DeliveryHandler>;
  /** Why kinds without a handler cannot be delivered (e.g. "slack is not enabled"). */
  missingHandlerReason?: (kind: string) => string;
  clock?: () => number;
  /** Attempts before an item is given up (default 300: about a day at the 5-minute backoff ceiling). */
  maxAttempts?: number;
  /**
   * Most items delivered at once (default 16). Items are claimed as room frees up, so one slow Slack call does not
   * hold back the others.
   */
  concurrency?: number;
  /**
   * How long a claimed item is held before another replica may deliver it (ms; default 120,000). Renewed every
   * third of it while the delivery runs, so a slow Slack call is not delivered twice; a killed replica's items are
   * delivered by another once the lease runs out.
   */
  leaseMs?: number;
}

/** Exponential backoff: 1 s, 2 s, 4 s ... capped at 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(300_000, 1_000 * 2 ** Math.max(0, Math.min(attempts - 1, 9)));
}

/**
 * Log fields of an outbox item: the execution and stage it is about (domain events and deliveries both carry
 * `executionId`, and `stageId` when stage-scoped; see engine/log-fields.ts for the names), its `kind` and `outboxId`.
 */
export function outboxItemLogFields(item: OutboxItem): { kind: string; outboxId: number; executionId?: string; stageId?: string } {
  const p = item.payload as { executionId?: unknown; stageId?: unknown };
  return {
    kind: item.kind,
    outboxId: item.id,
    ...(typeof p.executionId === 'string' ? { executionId: p.executionId } : {}),
    ...(typeof p.stageId === 'string' && p.stageId !== '' ? { stageId: p.stageId } : {}),
  };
}

export class NotificationDispatcher {
  private readonly loop: WorkLoop;
  private readonly clock: () => number;
  /** Every line about an item goes through a child carrying {@link outboxItemLogFields}. */
  private readonly log: Logger;
  /** Deliveries under way (each settles: its failures are logged, never thrown). */
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly opts: DispatcherOptions) {
    this.clock = opts.clock ?? Date.now;
    this.log = opts.logger.child({ component: 'notifications' });
    this.loop = new WorkLoop({
      tick: () => this.tick(),
      nextDueAt: () => opts.store.repos.outbox.nextDueAt(this.clock()),
      maxSleepMs: 1_000,
      onError: (err) => this.log.error({ err }, 'notification loop error'),
      now: this.clock,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming; resolves once the deliveries under way have ended. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([...this.inflight]);
  }

  wake(): void {
    this.loop.wake();
  }

  /**
   * Claims due items up to the free room and starts delivering them without waiting (as the engine does with its
   * queue). Returns how many were started, or -1 at capacity (the loop then waits for a delivery to end).
   */
  private async tick(): Promise<number> {
    const room = (this.opts.concurrency ?? 16) - this.inflight.size;
    if (room <= 0) return -1;
    const now = this.clock();
    const batch = await this.opts.store.transaction((tx) => tx.outbox.claim(now, this.opts.leaseMs ?? 120_000, room));
    for (const item of batch) {
      const p: Promise<void> = this.deliver(item)
        // Fails only when even recording the outcome failed (the database is down): the lease runs out and the
        // item is delivered again. Unhandled, the rejection would end the process.
        .catch((err: unknown) => this.log.child(outboxItemLogFields(item)).error({ err }, 'outbox item outcome not recorded; retried when its lease runs out'))
        .finally(() => {
          this.inflight.delete(p);
          this.loop.wake();
        });
      this.inflight.add(p);
    }
    return batch.length;
  }

  private async deliver(item: OutboxItem): Promise<void> {
    const leaseMs = this.opts.leaseMs ?? 120_000;
    const renew = setInterval(() => {
      const now = this.clock();
      this.opts.store.repos.outbox
        .renewLease(item.id, now + leaseMs, now)
        .catch((err: unknown) => this.log.child(outboxItemLogFields(item)).warn({ err }, 'outbox lease renewal failed'));
    }, Math.max(1, Math.floor(leaseMs / 3)));
    try {
      await this.deliverLeased(item);
    } finally {
      clearInterval(renew);
    }
  }

  private async deliverLeased(item: OutboxItem): Promise<void> {
    const { store } = this.opts;
    const log = this.log.child(outboxItemLogFields(item));
    if (item.kind === EVENT_OUTBOX_KIND) {
      const added = await this.fanOut(item);
      log.debug({ event: (item.payload as { type?: unknown }).type, deliveries: added }, 'event fanned out');
      return;
    }
    const handler = this.opts.handlers[item.kind];
    let result: DeliveryResult;
    if (!handler) {
      result = { result: 'failed', error: this.opts.missingHandlerReason?.(item.kind) ?? `no handler for ${item.kind}` };
    } else {
      try {
        result = await handler(item);
      } catch (err) {
        result = { result: 'retry', afterMs: backoffMs(item.attempts), error: (err as Error).message ?? String(err) };
      }
    }
    const now = this.clock();
    const max = this.opts.maxAttempts ?? 300;
    if (result.result === 'retry' && item.attempts >= max) {
      result = { result: 'failed', error: `gave up after ${item.attempts} attempts: ${result.error}` };
    }
    switch (result.result) {
      case 'delivered':
        await store.repos.outbox.markDelivered(item.id, now);
        log.debug({ attempts: item.attempts }, 'notification delivered');
        break;
      case 'retry':
        if (!result.quiet) log.warn({ key: item.dedupeKey, attempts: item.attempts, retryInMs: result.afterMs, error: result.error }, 'notification delivery will be retried');
        await store.repos.outbox.retryLater(item.id, now + result.afterMs, result.quiet ? null : result.error);
        break;
      case 'failed':
        log.error({ key: item.dedupeKey, attempts: item.attempts, error: result.error }, 'notification delivery failed');
        await store.repos.outbox.markFailed(item.id, result.error, now);
        break;
    }
  }

  /** Turns an event into its deliveries; returns how many were added. */
  private async fanOut(item: OutboxItem): Promise<number> {
    const event = item.payload as unknown as DomainEvent;
    const now = this.clock();
    const added = await this.opts.store.transaction(async (tx) => {
      const execution = await tx.executions.get(event.executionId);
      // Only kinds someone can deliver (no Slack deliveries when Slack is not enabled).
      const deliveries = (execution ? deliveriesFor(event, execution) : []).filter((d) => d.kind in this.opts.handlers);
      for (const d of deliveries) await tx.outbox.add({ ...d, payload: { ...d.payload } }, now);
      await tx.outbox.markDelivered(item.id, now);
      return deliveries.length;
    });
    if (added > 0) this.wake();
    return added;
  }
}
