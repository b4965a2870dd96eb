/**
 * Schema migrations, run at start by Kysely's Migrator. Never edit a migration that has shipped: add one.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { managedDeliveryMigration } from './managed-migration.js';

/** Auto-increment id column type; SQLite's `integer primary key autoincrement` and PostgreSQL's bigserial. */
export type Dialect = 'sqlite' | 'postgres';

function migrations(dialect: Dialect): Record<string, Migration> {
  const idType = dialect === 'sqlite' ? 'integer' : 'bigserial';
  const ms = dialect === 'sqlite' ? 'integer' : 'bigint';
  const withId = (db: Kysely<any>, table: string) =>
    db.schema.createTable(table).addColumn('id', idType as 'integer', (c) =>
      dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
    );
  return {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('applications')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('pipelines')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('application', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('config', 'text', (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .addUniqueConstraint('pipelines_application_name', ['application', 'name'])
          .execute();
        await db.schema
          .createTable('executions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('application', 'text', (c) => c.notNull())
          .addColumn('pipeline_config_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('build_time', ms, (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('executions_application').on('executions').columns(['application', 'build_time']).execute();
        await db.schema.createIndex('executions_status').on('executions').column('status').execute();
        await withId(db, 'queue')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('execution_id', 'text', (c) => c.notNull())
          .addColumn('stage_id', 'text')
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('deliver_at', ms, (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('lease_until', ms)
          .addColumn('created_at', ms, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('queue_due').on('queue').columns(['deliver_at', 'id']).execute();
        await withId(db, 'outbox')
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', ms, (c) => c.notNull())
          .addColumn('lease_until', ms)
          .addColumn('last_error', 'text')
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('delivered_at', ms)
          .execute();
        await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
        await withId(db, 'slack_messages')
          .addColumn('execution_id', 'text', (c) => c.notNull())
          .addColumn('stage_id', 'text', (c) => c.notNull())
          .addColumn('address', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('ts', 'text', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .addUniqueConstraint('slack_messages_stage_address', ['execution_id', 'stage_id', 'address'])
          .execute();
        await withId(db, 'slack_interactions')
          .addColumn('received_at', ms, (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('lease_until', ms)
          .addColumn('result', 'text')
          .addColumn('processed_at', ms)
          .execute();
        await db.schema
          .createTable('slack_users')
          .addColumn('user_id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('fetched_at', ms, (c) => c.notNull())
          .execute();
        void sql;
      },
    },
    '0002_slack_interaction_dedupe': {
      async up(db: Kysely<any>) {
        // A replayed Slack request (the same signed body again) is recorded once.
        await db.schema.alterTable('slack_interactions').addColumn('dedupe_key', 'text').execute();
        await db.schema.createIndex('slack_interactions_dedupe').on('slack_interactions').column('dedupe_key').unique().execute();
      },
    },
    '0003_cron_trigger_state': {
      async up(db: Kysely<any>) {
        // Last fire time of each cron trigger: a tick missed while the service was down fires once on start.
        await db.schema
          .createTable('cron_trigger_state')
          .addColumn('pipeline_id', 'text', (c) => c.notNull())
          .addColumn('trigger_key', 'text', (c) => c.notNull())
          .addColumn('last_fire_at', ms, (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .addPrimaryKeyConstraint('cron_trigger_state_pk', ['pipeline_id', 'trigger_key'])
          .execute();
      },
    },
    '0004_application_details': {
      async up(db: Kysely<any>) {
        // Applications created on their own (PUT /applications/{app}), with Deck's description and owner email.
        await db.schema.alterTable('applications').addColumn('description', 'text').execute();
        await db.schema.alterTable('applications').addColumn('email', 'text').execute();
      },
    },
    '0005_permissions_audit': {
      async up(db: Kysely<any>) {
        // Fiat's application permissions ({READ, WRITE, EXECUTE: [roles]}) as JSON; null: open to any authenticated user.
        await db.schema.alterTable('applications').addColumn('permissions', 'text').execute();
        // Who did what and how; rows are only ever inserted (the service never updates or deletes them).
        await withId(db, 'audit_log')
          .addColumn('at', ms, (c) => c.notNull())
          .addColumn('user_name', 'text', (c) => c.notNull())
          .addColumn('via', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('application', 'text', (c) => c.notNull())
          .addColumn('execution_id', 'text')
          .addColumn('stage_id', 'text')
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_log_application_at').on('audit_log').columns(['application', 'at']).execute();
        await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
      },
    },
    '0006_managed_delivery': managedDeliveryMigration(dialect),
  };
}

/** Kysely migration provider for the given dialect. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
