/**
 * Table shapes as Kysely sees them. Times are epoch milliseconds (INTEGER in SQLite, BIGINT in PostgreSQL).
 * JSON documents are stored as TEXT and parsed by the repositories.
 */
import type { Generated } from 'kysely';
import type { ManagedTables } from './managed-schema.js';

export interface ApplicationsTable {
  name: string;
  created_at: number;
  updated_at: number;
  /** Deck's application description; null when never set (applications made by saving a pipeline). */
  description: string | null;
  /** The owner's email (Deck's `email`); null when never set. */
  email: string | null;
  /** Fiat's `permissions` JSON (`{READ?, WRITE?, EXECUTE?: [role]}`); null: open to any authenticated user. */
  permissions: string | null;
}

export interface PipelinesTable {
  id: string;
  application: string;
  name: string;
  /** The pipeline config JSON as saved. */
  config: string;
  updated_at: number;
}

export interface ExecutionsTable {
  id: string;
  application: string;
  pipeline_config_id: string;
  status: string;
  build_time: number;
  /** The whole execution JSON (Gate's shape), stages included. */
  body: string;
  /** Incremented on every write; lets a reader tell whether it saw the latest state. */
  version: number;
  updated_at: number;
}

/** The engine's durable work queue (orca's keiko queue, in a table). */
export interface QueueTable {
  id: Generated<number>;
  kind: string;
  execution_id: string;
  stage_id: string | null;
  payload: string;
  /** Not handed out before this time (epoch ms). */
  deliver_at: number;
  attempts: number;
  /** Claimed by a worker until this time (epoch ms); null when free. */
  lease_until: number | null;
  created_at: number;
}

/** Notification work written in the same transaction as the state change it reports. */
export interface OutboxTable {
  id: Generated<number>;
  kind: string;
  /** Unique: writing the same work twice is a no-op. */
  dedupe_key: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** A Slack message posted for a stage: where it is, so it can be updated and replied to. */
export interface SlackMessagesTable {
  id: Generated<number>;
  execution_id: string;
  stage_id: string;
  /** The notification's address as configured (channel name or id), normalised without '#'. */
  address: string;
  channel: string;
  ts: string;
  created_at: number;
  updated_at: number;
}

/** Verified Slack interactions, recorded before Slack gets its 200, processed after. */
export interface SlackInteractionsTable {
  id: Generated<number>;
  received_at: number;
  payload: string;
  status: string;
  attempts: number;
  lease_until: number | null;
  result: string | null;
  processed_at: number | null;
  /** sha256 of the payload: the same request replayed is kept once. */
  dedupe_key: string | null;
}

/** users.info answers, cached. */
export interface SlackUsersTable {
  user_id: string;
  name: string;
  email: string | null;
  fetched_at: number;
}

/**
 * When each cron trigger of a saved pipeline last fired (echo keeps this in Quartz's job store). Written in the same
 * transaction as the execution the fire starts, so a fire is recorded exactly when its execution exists.
 */
export interface CronTriggerStateTable {
  pipeline_id: string;
  /** The trigger's `id` when it has one (Deck assigns one), else `#<index in triggers>`. */
  trigger_key: string;
  /** Epoch ms of the last fire. */
  last_fire_at: number;
  updated_at: number;
}

/** The audit log (see src/auth/audit.ts): inserted only, never updated or deleted by the service. */
export interface AuditLogTable {
  id: Generated<number>;
  /** Epoch ms. */
  at: number;
  /** Who acted (`user` in the API's shape; `user` is a reserved word in PostgreSQL). */
  user_name: string;
  via: string;
  action: string;
  application: string;
  execution_id: string | null;
  stage_id: string | null;
  outcome: string;
  /** JSON object. */
  detail: string;
}

export interface Database extends ManagedTables {
  applications: ApplicationsTable;
  pipelines: PipelinesTable;
  executions: ExecutionsTable;
  queue: QueueTable;
  outbox: OutboxTable;
  slack_messages: SlackMessagesTable;
  slack_interactions: SlackInteractionsTable;
  slack_users: SlackUsersTable;
  cron_trigger_state: CronTriggerStateTable;
  audit_log: AuditLogTable;
}
