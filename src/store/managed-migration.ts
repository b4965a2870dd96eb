/**
 * Migration `0006_managed_delivery`: the managed delivery tables (see managed-schema.ts). Numbered 0006 because
 * another branch adds 0004/0005; Kysely runs migrations in name order.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.js';

export function managedDeliveryMigration(dialect: Dialect): Migration {
  const ms = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('managed_delivery_configs')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('application', 'text', (c) => c.notNull().unique())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('managed_artifact_versions')
        .addColumn('application', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('registered_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('managed_artifact_versions_pk', ['application', 'reference', 'version'])
        .execute();
      await db.schema
        .createTable('managed_deployments')
        .addColumn('application', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('execution_id', 'text')
        .addColumn('detail', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('managed_deployments_pk', ['application', 'environment', 'reference', 'version'])
        .execute();
      await db.schema.createIndex('managed_deployments_status').on('managed_deployments').column('status').execute();
      await db.schema
        .createTable('managed_constraint_states')
        .addColumn('application', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('judged_by', 'text')
        .addColumn('judged_slack_user', 'text')
        .addColumn('judged_at', ms)
        .addColumn('comment', 'text')
        .addColumn('deadline', ms)
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('managed_constraint_states_pk', ['application', 'environment', 'reference', 'version', 'type'])
        .execute();
      await db.schema
        .createTable('managed_evaluations')
        .addColumn('application', 'text', (c) => c.primaryKey())
        .addColumn('due_at', ms)
        .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_until', ms)
        .execute();
      await db.schema
        .createTable('managed_slack_messages')
        .addColumn('application', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('managed_slack_messages_pk', ['application', 'environment', 'reference', 'version', 'address'])
        .execute();
      await db.schema
        .createTable('managed_pins')
        .addColumn('application', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('pinned_by', 'text', (c) => c.notNull())
        .addColumn('comment', 'text')
        .addColumn('pinned_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('managed_pins_pk', ['application', 'environment', 'reference'])
        .execute();
      await db.schema
        .createTable('managed_vetoes')
        .addColumn('application', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('reference', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('vetoed_by', 'text', (c) => c.notNull())
        .addColumn('comment', 'text')
        .addColumn('vetoed_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('managed_vetoes_pk', ['application', 'environment', 'reference', 'version'])
        .execute();
    },
  };
}
