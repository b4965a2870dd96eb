/**
 * Repositories: one per aggregate, each bound to a Kysely executor (the database or an open transaction), so
 * that a state change and the work that follows from it are written in one transaction.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './migrations.js';
import type { PipelineConfig } from '../model/pipeline.js';
import type { PipelineExecution } from '../model/execution.js';
import type { ExecutionStatus } from '../model/status.js';
import { ManagedRepositories } from './managed-repositories.js';

export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Leases claimed rows of a work table until `until` (epoch ms) and counts the attempt. Another worker skips a
 * leased row until the lease runs out, which is how work held by a dead process is taken over.
 */
async function lease(db: Executor, table: 'queue' | 'outbox' | 'slack_interactions', rows: Array<{ id: number }>, until: number): Promise<void> {
  if (rows.length === 0) return;
  await db
    .updateTable(table)
    .set((eb) => ({ lease_until: until, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', rows.map((r) => Number(r.id)))
    .execute();
}

/**
 * On PostgreSQL, a claim's select locks the rows it returns and skips rows another transaction has locked
 * (`FOR UPDATE SKIP LOCKED`), so two replicas claiming at once never take the same row. SQLite serializes
 * writers (one process owns the file), so its query is left as it is.
 */
function skipLocked<Q extends { forUpdate(): Q; skipLocked(): Q }>(q: Q, dialect: Dialect): Q {
  return dialect === 'postgres' ? q.forUpdate().skipLocked() : q;
}

/** Fiat's application permissions: the roles holding each authorization (see src/auth/permissions.ts). */
export interface ApplicationPermissions {
  READ?: string[];
  WRITE?: string[];
  EXECUTE?: string[];
}

/**
 * An application as stored. Times are epoch ms; `description` and `email` are null when never set; `permissions`
 * null when never set (open to any authenticated user).
 */
export interface ApplicationRecord {
  name: string;
  createdAt: number;
  updatedAt: number;
  description: string | null;
  email: string | null;
  permissions: ApplicationPermissions | null;
}

function parsePermissions(text: string | null | undefined): ApplicationPermissions | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ApplicationPermissions) : null;
  } catch {
    return null;
  }
}

function applicationRecord(r: {
  name: string;
  created_at: number;
  updated_at: number;
  description?: string | null;
  email?: string | null;
  permissions?: string | null;
}): ApplicationRecord {
  return {
    name: r.name,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    description: r.description ?? null,
    email: r.email ?? null,
    permissions: parsePermissions(r.permissions),
  };
}

/**
 * Applications are created implicitly when a pipeline is first saved for them (as Gate/front50 do), or on their
 * own with `put`.
 */
export class ApplicationRepository {
  constructor(private readonly db: Executor) {}

  /** Creates the application if new; returns nothing. */
  async ensure(name: string, now: number): Promise<void> {
    await this.db
      .insertInto('applications')
      .values({ name, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ updated_at: now }))
      .execute();
  }

  async list(): Promise<ApplicationRecord[]> {
    const rows = await this.db.selectFrom('applications').selectAll().orderBy('name').execute();
    return rows.map(applicationRecord);
  }

  /** One application, or undefined. */
  async get(name: string): Promise<ApplicationRecord | undefined> {
    const row = await this.db.selectFrom('applications').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? applicationRecord(row) : undefined;
  }

  /**
   * Creates the application or updates its details. A field left undefined keeps its stored value; null clears it.
   * @returns whether it was created (false: updated).
   */
  async put(
    name: string,
    details: { description?: string | null; email?: string | null; permissions?: ApplicationPermissions | null },
    now: number,
  ): Promise<boolean> {
    const existing = await this.get(name);
    const permissions = details.permissions === undefined ? undefined : details.permissions === null ? null : JSON.stringify(details.permissions);
    if (!existing) {
      await this.db
        .insertInto('applications')
        .values({ name, created_at: now, updated_at: now, description: details.description ?? null, email: details.email ?? null, permissions: permissions ?? null })
        .execute();
      return true;
    }
    const set: { updated_at: number; description?: string | null; email?: string | null; permissions?: string | null } = { updated_at: now };
    if (details.description !== undefined) set.description = details.description;
    if (details.email !== undefined) set.email = details.email;
    if (permissions !== undefined) set.permissions = permissions;
    await this.db.updateTable('applications').set(set).where('name', '=', name).execute();
    return false;
  }

  /**
   * Creates the application only if there is none of that name (a concurrent creator may have won).
   * @returns whether this call created it.
   */
  async create(name: string, details: { description?: string | null; email?: string | null; permissions?: ApplicationPermissions | null }, now: number): Promise<boolean> {
    const res = await this.db
      .insertInto('applications')
      .values({
        name,
        created_at: now,
        updated_at: now,
        description: details.description ?? null,
        email: details.email ?? null,
        permissions: details.permissions ? JSON.stringify(details.permissions) : null,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async exists(name: string): Promise<boolean> {
    const row = await this.db.selectFrom('applications').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }
}

export class PipelineRepository {
  constructor(private readonly db: Executor) {}

  /** Inserts or replaces by id. The (application, name) pair is unique; callers resolve the id first. */
  async upsert(config: PipelineConfig, now: number): Promise<void> {
    const json = JSON.stringify(config);
    await this.db
      .insertInto('pipelines')
      .values({ id: config.id, application: config.application, name: config.name, config: json, updated_at: now })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ application: config.application, name: config.name, config: json, updated_at: now }),
      )
      .execute();
  }

  async byId(id: string): Promise<PipelineConfig | undefined> {
    const row = await this.db.selectFrom('pipelines').select('config').where('id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.config) as PipelineConfig) : undefined;
  }

  async byName(application: string, name: string): Promise<PipelineConfig | undefined> {
    const row = await this.db
      .selectFrom('pipelines')
      .select('config')
      .where('application', '=', application)
      .where('name', '=', name)
      .executeTakeFirst();
    return row ? (JSON.parse(row.config) as PipelineConfig) : undefined;
  }

  async listByApplication(application: string): Promise<PipelineConfig[]> {
    const rows = await this.db
      .selectFrom('pipelines')
      .select('config')
      .where('application', '=', application)
      .orderBy('name')
      .execute();
    return rows.map((r) => JSON.parse(r.config) as PipelineConfig);
  }

  /** Returns true when a pipeline was deleted. */
  async delete(application: string, name: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('pipelines')
      .where('application', '=', application)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

export class ExecutionRepository {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  async insert(execution: PipelineExecution, now: number): Promise<void> {
    await this.db
      .insertInto('executions')
      .values({
        id: execution.id,
        application: execution.application,
        pipeline_config_id: execution.pipelineConfigId,
        status: execution.status,
        build_time: execution.buildTime,
        body: JSON.stringify(execution),
        version: 1,
        updated_at: now,
      })
      .execute();
  }

  /**
   * Reads one execution. Inside a transaction on PostgreSQL the row stays locked (`FOR UPDATE`) until the
   * transaction ends, so a read-modify-write ({@link update}) by one replica waits for another's to commit instead
   * of overwriting it. SQLite serializes transactions, so nothing changes there.
   */
  async get(id: string): Promise<PipelineExecution | undefined> {
    let q = this.db.selectFrom('executions').select('body').where('id', '=', id);
    if (this.dialect === 'postgres' && this.db.isTransaction) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row ? (JSON.parse(row.body) as PipelineExecution) : undefined;
  }

  /** Writes the whole execution document back. Call inside the transaction that read it. */
  async update(execution: PipelineExecution, now: number): Promise<void> {
    await this.db
      .updateTable('executions')
      .set((eb) => ({
        status: execution.status,
        body: JSON.stringify(execution),
        version: eb('version', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', execution.id)
      .execute();
  }

  /** Newest first. `statuses` filters by execution status when non-empty. */
  async listByApplication(
    application: string,
    opts: { limit: number; statuses?: ExecutionStatus[] },
  ): Promise<PipelineExecution[]> {
    let q = this.db.selectFrom('executions').select('body').where('application', '=', application);
    if (opts.statuses && opts.statuses.length > 0) q = q.where('status', 'in', opts.statuses);
    const rows = await q.orderBy('build_time', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map((r) => JSON.parse(r.body) as PipelineExecution);
  }

  async idsWithStatus(statuses: ExecutionStatus[]): Promise<string[]> {
    if (statuses.length === 0) return [];
    const rows = await this.db.selectFrom('executions').select('id').where('status', 'in', statuses).execute();
    return rows.map((r) => r.id);
  }

  /**
   * Executions of one pipeline config with one of `statuses`, oldest first (by build time): how the engine finds
   * the running and the waiting executions for `limitConcurrent` / `maxConcurrentExecutions`.
   */
  async listByPipelineConfig(pipelineConfigId: string, statuses: ExecutionStatus[]): Promise<PipelineExecution[]> {
    if (statuses.length === 0) return [];
    const rows = await this.db
      .selectFrom('executions')
      .select('body')
      .where('pipeline_config_id', '=', pipelineConfigId)
      .where('status', 'in', statuses)
      .orderBy('build_time', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map((r) => JSON.parse(r.body) as PipelineExecution);
  }

  /** Deletes an execution document; returns true when one was deleted. Queued messages for it are dropped by the engine. */
  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('executions').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

/** A message of the engine's queue (see engine/messages.ts for the kinds). */
export interface QueueMessage {
  id: number;
  kind: string;
  executionId: string;
  stageId: string | null;
  payload: Record<string, unknown>;
  deliverAt: number;
  attempts: number;
}

export class QueueRepository {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  async push(
    msg: { kind: string; executionId: string; stageId?: string | null; payload?: Record<string, unknown> },
    deliverAt: number,
    now: number,
  ): Promise<void> {
    await this.db
      .insertInto('queue')
      .values({
        kind: msg.kind,
        execution_id: msg.executionId,
        stage_id: msg.stageId ?? null,
        payload: JSON.stringify(msg.payload ?? {}),
        deliver_at: deliverAt,
        attempts: 0,
        lease_until: null,
        created_at: now,
      })
      .execute();
  }

  /**
   * Claims up to `limit` due messages by leasing them until `now + leaseMs`. A message whose lease ran out
   * (its worker died) is due again: delivery is at least once, so handlers are idempotent.
   */
  async claim(now: number, leaseMs: number, limit: number): Promise<QueueMessage[]> {
    const rows = await skipLocked(
      this.db
        .selectFrom('queue')
        .selectAll()
        .where('deliver_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('deliver_at')
        .orderBy('id')
        .limit(limit),
      this.dialect,
    ).execute();
    await lease(this.db, 'queue', rows, now + leaseMs);
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      executionId: r.execution_id,
      stageId: r.stage_id,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      deliverAt: Number(r.deliver_at),
      attempts: Number(r.attempts) + 1,
    }));
  }

  async ack(id: number): Promise<void> {
    await this.db.deleteFrom('queue').where('id', '=', id).execute();
  }

  /**
   * Extends the lease of a message still being handled to `until` (epoch ms). Only a live lease is extended: a
   * message acked or released meanwhile (lease cleared) is left alone, so a late renewal cannot hold up its retry.
   */
  async renewLease(id: number, until: number, now: number): Promise<void> {
    await this.db.updateTable('queue').set({ lease_until: until }).where('id', '=', id).where('lease_until', '>=', now).execute();
  }

  /** Gives a message back to be retried at `deliverAt`. */
  async release(id: number, deliverAt: number): Promise<void> {
    await this.db.updateTable('queue').set({ lease_until: null, deliver_at: deliverAt }).where('id', '=', id).execute();
  }

  /** Earliest deliver_at among unleased messages, or null when the queue is empty. */
  async nextDueAt(now: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('queue')
      .select((eb) => eb.fn.min('deliver_at').as('next'))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return row?.next == null ? null : Number(row.next);
  }

  async size(): Promise<number> {
    const row = await this.db.selectFrom('queue').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

export interface OutboxItem {
  id: number;
  kind: string;
  dedupeKey: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/** Outbox statuses: pending (to deliver), delivered, failed (gave up; last_error says why). */
export type OutboxStatus = 'pending' | 'delivered' | 'failed';

export class OutboxRepository {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  /** Adds work unless work with the same dedupe key exists already (then it is a no-op). */
  async add(item: { kind: string; dedupeKey: string; payload: Record<string, unknown> }, now: number, at = now): Promise<void> {
    await this.db
      .insertInto('outbox')
      .values({
        kind: item.kind,
        dedupe_key: item.dedupeKey,
        payload: JSON.stringify(item.payload),
        status: 'pending',
        attempts: 0,
        next_attempt_at: at,
        lease_until: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<OutboxItem[]> {
    const rows = await skipLocked(
      this.db
        .selectFrom('outbox')
        .selectAll()
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit),
      this.dialect,
    ).execute();
    await lease(this.db, 'outbox', rows, now + leaseMs);
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind,
      dedupeKey: r.dedupe_key,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      attempts: Number(r.attempts) + 1,
    }));
  }

  async markDelivered(id: number, now: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ status: 'delivered', delivered_at: now, lease_until: null, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async retryLater(id: number, at: number, error: string | null): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ next_attempt_at: at, lease_until: null, last_error: error })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: number, error: string, now: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ status: 'failed', lease_until: null, last_error: error, delivered_at: now })
      .where('id', '=', id)
      .execute();
  }

  async byKey(dedupeKey: string): Promise<{ id: number; status: OutboxStatus; lastError: string | null; attempts: number } | undefined> {
    const r = await this.db.selectFrom('outbox').selectAll().where('dedupe_key', '=', dedupeKey).executeTakeFirst();
    return r ? { id: Number(r.id), status: r.status as OutboxStatus, lastError: r.last_error, attempts: Number(r.attempts) } : undefined;
  }

  /**
   * Extends the lease of an item still being delivered to `until` (epoch ms); only a live lease of a pending item
   * is extended (one marked delivered, failed or retried meanwhile is left alone).
   */
  async renewLease(id: number, until: number, now: number): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ lease_until: until })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('lease_until', '>=', now)
      .execute();
  }

  async nextDueAt(now: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.min('next_attempt_at').as('next'))
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return row?.next == null ? null : Number(row.next);
  }

  /**
   * Delivery problems of one execution's notifications (items whose last attempt failed), oldest first: the
   * item's kind, its payload (which says the stage and channel), `failed` (given up) or `pending` (retrying).
   */
  async problemsFor(executionId: string): Promise<Array<{ kind: string; payload: Record<string, unknown>; status: string; lastError: string; attempts: number }>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['kind', 'payload', 'status', 'last_error', 'attempts'])
      .where('dedupe_key', 'like', `%:${executionId}:%`)
      .where('last_error', 'is not', null)
      .where('status', '!=', 'delivered')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      kind: r.kind,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      status: r.status,
      lastError: r.last_error ?? '',
      attempts: Number(r.attempts),
    }));
  }

  /**
   * The newest delivery problem among items whose kind starts with `kindPrefix` (e.g. `slack.`): an item still
   * retrying after a failed attempt, or given up. `at` is when it was last tried or given up (epoch ms, the
   * item's creation time when unknown). Null when there is none.
   */
  async lastProblem(kindPrefix: string): Promise<{ kind: string; error: string; status: 'retrying' | 'failed'; attempts: number; at: number } | null> {
    const r = await this.db
      .selectFrom('outbox')
      .select(['kind', 'status', 'last_error', 'attempts', 'delivered_at', 'created_at'])
      .where('kind', 'like', `${kindPrefix}%`)
      .where('last_error', 'is not', null)
      .where('status', '!=', 'delivered')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!r) return null;
    return {
      kind: r.kind,
      error: r.last_error ?? '',
      status: r.status === 'failed' ? 'failed' : 'retrying',
      attempts: Number(r.attempts),
      at: Number(r.delivered_at ?? r.created_at),
    };
  }
}

export interface SlackMessageRow {
  executionId: string;
  stageId: string;
  address: string;
  channel: string;
  ts: string;
}

export class SlackMessageRepository {
  constructor(private readonly db: Executor) {}

  /** Records a posted message; a second record for the same stage and address keeps the first. */
  async record(m: SlackMessageRow, now: number): Promise<void> {
    await this.db
      .insertInto('slack_messages')
      .values({
        execution_id: m.executionId,
        stage_id: m.stageId,
        address: m.address,
        channel: m.channel,
        ts: m.ts,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['execution_id', 'stage_id', 'address']).doNothing())
      .execute();
  }

  async find(executionId: string, stageId: string, address: string): Promise<SlackMessageRow | undefined> {
    const r = await this.db
      .selectFrom('slack_messages')
      .selectAll()
      .where('execution_id', '=', executionId)
      .where('stage_id', '=', stageId)
      .where('address', '=', address)
      .executeTakeFirst();
    return r ? { executionId: r.execution_id, stageId: r.stage_id, address: r.address, channel: r.channel, ts: r.ts } : undefined;
  }

  /** Forgets a stage's message refs (the stage was restarted: its next run posts new messages). */
  async deleteForStage(executionId: string, stageId: string): Promise<void> {
    await this.db.deleteFrom('slack_messages').where('execution_id', '=', executionId).where('stage_id', '=', stageId).execute();
  }

  async forStage(executionId: string, stageId: string): Promise<SlackMessageRow[]> {
    const rows = await this.db
      .selectFrom('slack_messages')
      .selectAll()
      .where('execution_id', '=', executionId)
      .where('stage_id', '=', stageId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ executionId: r.execution_id, stageId: r.stage_id, address: r.address, channel: r.channel, ts: r.ts }));
  }
}

export interface SlackInteractionRow {
  id: number;
  receivedAt: number;
  payload: Record<string, unknown>;
  attempts: number;
}

export class SlackInteractionRepository {
  constructor(
    private readonly db: Executor,
    private readonly dialect: Dialect = 'sqlite',
  ) {}

  /**
   * Records a verified interaction. The same payload again (a replayed or retried request) is not recorded twice.
   * @returns the new row's id, or null for a replay.
   */
  async record(payload: Record<string, unknown>, now: number): Promise<number | null> {
    const json = JSON.stringify(payload);
    const row = await this.db
      .insertInto('slack_interactions')
      .values({
        received_at: now,
        payload: json,
        status: 'pending',
        attempts: 0,
        lease_until: null,
        result: null,
        processed_at: null,
        dedupe_key: createHash('sha256').update(json).digest('hex'),
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row ? Number(row.id) : null;
  }

  /** Claims pending interactions (all of them, or one by id) by leasing them. */
  async claim(now: number, leaseMs: number, limit: number, id?: number): Promise<SlackInteractionRow[]> {
    let q = this.db
      .selectFrom('slack_interactions')
      .selectAll()
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]));
    if (id !== undefined) q = q.where('id', '=', id);
    const rows = await skipLocked(q.orderBy('id').limit(limit), this.dialect).execute();
    await lease(this.db, 'slack_interactions', rows, now + leaseMs);
    return rows.map((r) => ({
      id: Number(r.id),
      receivedAt: Number(r.received_at),
      payload: JSON.parse(r.payload) as Record<string, unknown>,
      attempts: Number(r.attempts) + 1,
    }));
  }

  async finish(id: number, status: 'done' | 'failed', result: Record<string, unknown>, now: number): Promise<void> {
    await this.db
      .updateTable('slack_interactions')
      .set({ status, result: JSON.stringify(result), processed_at: now, lease_until: null })
      .where('id', '=', id)
      .execute();
  }

  /** Extends the lease of a click still being processed to `until` (epoch ms); only a live lease of a pending click. */
  async renewLease(id: number, until: number, now: number): Promise<void> {
    await this.db
      .updateTable('slack_interactions')
      .set({ lease_until: until })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('lease_until', '>=', now)
      .execute();
  }

  async retryLater(id: number, at: number): Promise<void> {
    await this.db.updateTable('slack_interactions').set({ lease_until: at }).where('id', '=', id).execute();
  }

  async get(id: number): Promise<{ status: string; result: Record<string, unknown> | null } | undefined> {
    const r = await this.db.selectFrom('slack_interactions').select(['status', 'result']).where('id', '=', id).executeTakeFirst();
    return r ? { status: r.status, result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null } : undefined;
  }
}

export class SlackUserRepository {
  constructor(private readonly db: Executor) {}

  async get(userId: string): Promise<{ userId: string; name: string; email: string | null; fetchedAt: number } | undefined> {
    const r = await this.db.selectFrom('slack_users').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return r ? { userId: r.user_id, name: r.name, email: r.email, fetchedAt: Number(r.fetched_at) } : undefined;
  }

  async put(u: { userId: string; name: string; email: string | null }, now: number): Promise<void> {
    await this.db
      .insertInto('slack_users')
      .values({ user_id: u.userId, name: u.name, email: u.email, fetched_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ name: u.name, email: u.email, fetched_at: now }))
      .execute();
  }
}

/** A saved pipeline as the trigger machinery reads it: the config and when it was last saved. */
export interface SavedPipeline {
  config: PipelineConfig;
  /** Epoch ms of the last save (`pipelines.updated_at`). */
  updatedAt: number;
}

/**
 * What pipeline triggers need from the store: every saved pipeline that declares triggers (across applications, as
 * echo's pipeline cache holds them), and the durable last-fire time of each cron trigger.
 */
export class TriggerRepository {
  constructor(private readonly db: Executor) {}

  /** Saved pipelines whose config mentions `triggers` (a cheap pre-filter; callers check the array). */
  async pipelinesWithTriggers(): Promise<SavedPipeline[]> {
    const rows = await this.db
      .selectFrom('pipelines')
      .select(['config', 'updated_at'])
      .where('config', 'like', '%"triggers"%')
      .orderBy('application')
      .orderBy('name')
      .execute();
    return rows.map((r) => ({ config: JSON.parse(r.config) as PipelineConfig, updatedAt: Number(r.updated_at) }));
  }

  /** Last fire time (epoch ms) of every cron trigger, keyed `pipelineId + "\u0000" + triggerKey`. */
  async cronLastFires(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('cron_trigger_state').select(['pipeline_id', 'trigger_key', 'last_fire_at']).execute();
    return new Map(rows.map((r) => [`${r.pipeline_id}\u0000${r.trigger_key}`, Number(r.last_fire_at)]));
  }

  /**
   * Records a fire at `at` if the stored last fire time is still `expected` (null: no row yet). Returns false when
   * another writer recorded a fire first (then the caller must not start an execution).
   */
  async recordCronFire(pipelineId: string, triggerKey: string, expected: number | null, at: number): Promise<boolean> {
    if (expected === null) {
      const res = await this.db
        .insertInto('cron_trigger_state')
        .values({ pipeline_id: pipelineId, trigger_key: triggerKey, last_fire_at: at, updated_at: at })
        .onConflict((oc) => oc.columns(['pipeline_id', 'trigger_key']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    }
    const res = await this.db
      .updateTable('cron_trigger_state')
      .set({ last_fire_at: at, updated_at: at })
      .where('pipeline_id', '=', pipelineId)
      .where('trigger_key', '=', triggerKey)
      .where('last_fire_at', '=', expected)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}

/** One audit entry as the API shows it (see src/auth/audit.ts for the field meanings). `at` is epoch ms. */
export interface AuditEntry {
  id: number;
  at: number;
  user: string;
  via: string;
  action: string;
  application: string;
  executionId?: string;
  stageId?: string;
  outcome: string;
  detail: Record<string, unknown>;
}

/** The audit log: entries are only inserted and read; nothing here updates or deletes one. */
export class AuditRepository {
  constructor(private readonly db: Executor) {}

  /** Appends one entry; returns its id. */
  async append(e: Omit<AuditEntry, 'id'>): Promise<number> {
    const row = await this.db
      .insertInto('audit_log')
      .values({
        at: e.at,
        user_name: e.user,
        via: e.via,
        action: e.action,
        application: e.application,
        execution_id: e.executionId ?? null,
        stage_id: e.stageId ?? null,
        outcome: e.outcome,
        detail: JSON.stringify(e.detail),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /**
   * Entries newest first (by time, then id). `application` keeps only that application's; `hidden` drops those of
   * the applications listed; `since` (epoch ms) keeps entries at or after it; `limit` caps the count.
   */
  async list(opts: { application?: string; hidden?: string[]; since?: number; limit: number }): Promise<AuditEntry[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (opts.application !== undefined) q = q.where('application', '=', opts.application);
    if (opts.hidden && opts.hidden.length > 0) q = q.where('application', 'not in', opts.hidden);
    if (opts.since !== undefined) q = q.where('at', '>=', opts.since);
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      user: r.user_name,
      via: r.via,
      action: r.action,
      application: r.application,
      ...(r.execution_id !== null ? { executionId: r.execution_id } : {}),
      ...(r.stage_id !== null ? { stageId: r.stage_id } : {}),
      outcome: r.outcome,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
}

/** All repositories bound to one executor. */
export class Repositories {
  readonly applications: ApplicationRepository;
  readonly pipelines: PipelineRepository;
  readonly executions: ExecutionRepository;
  readonly queue: QueueRepository;
  readonly outbox: OutboxRepository;
  readonly slackMessages: SlackMessageRepository;
  readonly slackInteractions: SlackInteractionRepository;
  readonly slackUsers: SlackUserRepository;
  readonly triggers: TriggerRepository;
  /** Managed delivery (delivery configs, versions, environments, evaluations); see managed-repositories.ts. */
  readonly managed: ManagedRepositories;
  readonly audit: AuditRepository;

  /**
   * @param dialect `postgres` makes claims skip rows locked by other replicas and reads of executions inside a
   *   transaction lock the row; `sqlite` (the default) leaves every query as it is.
   */
  constructor(db: Executor, dialect: Dialect = 'sqlite') {
    this.applications = new ApplicationRepository(db);
    this.pipelines = new PipelineRepository(db);
    this.executions = new ExecutionRepository(db, dialect);
    this.queue = new QueueRepository(db, dialect);
    this.outbox = new OutboxRepository(db, dialect);
    this.slackMessages = new SlackMessageRepository(db);
    this.slackInteractions = new SlackInteractionRepository(db, dialect);
    this.slackUsers = new SlackUserRepository(db);
    this.triggers = new TriggerRepository(db);
    this.managed = new ManagedRepositories(db, dialect);
    this.audit = new AuditRepository(db);
  }
}
