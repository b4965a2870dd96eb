/**
 * The few aggregate reads behind the cluster-wide gauges of `GET /metrics` (the only SQL of the metrics). Each is
 * one statement outside any transaction, so a scrape never holds a lock; the answers are the database's, hence the
 * same on every replica.
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from './schema.js';

/** What one scrape reads from the database. Times in epoch ms; counts are row counts. */
export interface GaugeSnapshot {
  /** Executions by application and status (only pairs with at least one execution). */
  executions: Array<{ application: string; status: string; count: number }>;
  /** Notification outbox items not yet delivered nor given up (`status = 'pending'`), due now or waiting for a retry. */
  outboxPending: number;
  /** Queue messages due now and not claimed by a live lease (waiting for a worker). */
  queueDue: number;
  /** Queue messages held by a live lease (being handled). */
  queueClaimed: number;
  /** Queue messages not due yet (waits, judgment timeouts, reminders, retries after a failure). */
  queueScheduled: number;
  /** `deliver_at` of the oldest due, unclaimed queue message, or null when none is waiting. */
  oldestDueAt: number | null;
}

/**
 * Reads the gauges' figures at `now` (epoch ms). A message whose lease ran out counts as due (a dead worker's work
 * waiting to be taken over), as the queue's claim treats it.
 * @throws the driver's error when the database does not answer (the metrics route then answers 503).
 */
export async function readGauges(db: Kysely<Database>, now: number): Promise<GaugeSnapshot> {
  const executions = await db
    .selectFrom('executions')
    .select(['application', 'status', (eb) => eb.fn.countAll().as('n')])
    .groupBy(['application', 'status'])
    .execute();
  const outbox = await db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'pending').executeTakeFirst();
  const unleased = (eb: ExpressionBuilder<Database, 'queue'>) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]);
  const due = await db
    .selectFrom('queue')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('deliver_at').as('oldest')])
    .where('deliver_at', '<=', now)
    .where(unleased)
    .executeTakeFirst();
  const claimed = await db.selectFrom('queue').select((eb) => eb.fn.countAll().as('n')).where('lease_until', '>=', now).executeTakeFirst();
  const scheduled = await db
    .selectFrom('queue')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('deliver_at', '>', now)
    .where(unleased)
    .executeTakeFirst();
  return {
    executions: executions.map((r) => ({ application: r.application, status: r.status, count: Number(r.n) })),
    outboxPending: Number(outbox?.n ?? 0),
    queueDue: Number(due?.n ?? 0),
    queueClaimed: Number(claimed?.n ?? 0),
    queueScheduled: Number(scheduled?.n ?? 0),
    oldestDueAt: due?.oldest == null ? null : Number(due.oldest),
  };
}
