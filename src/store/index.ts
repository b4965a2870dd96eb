/**
 * The database behind the service, chosen by `database.url`. `sqlite:PATH` (the embedded default) opens a file
 * with better-sqlite3 in WAL mode; PostgreSQL is planned for several replicas (see README).
 *
 * Every state change goes through `transaction(fn)`: the repositories handed to `fn` write in one transaction,
 * so a crash between a change and the work that follows from it loses or doubles nothing.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations.js';
import { Repositories } from './repositories.js';

export { Repositories } from './repositories.js';
export type { QueueMessage, OutboxItem, SlackMessageRow, SlackInteractionRow } from './repositories.js';

/** Thrown when `database.url` names something this build cannot open. */
export class StoreError extends Error {}

export class Store {
  /** Repositories outside any transaction (each call is its own statement). */
  readonly repos: Repositories;

  private constructor(
    readonly db: Kysely<Database>,
    readonly description: string,
  ) {
    this.repos = new Repositories(db);
  }

  /**
   * Opens the database named by `url` and runs pending migrations.
   * @param url `sqlite:PATH` (relative to the working directory; parent directories are created) or `sqlite::memory:`.
   * @throws StoreError for an unsupported URL or a file that cannot be opened.
   */
  static async open(url: string): Promise<Store> {
    if (!url.startsWith('sqlite:')) {
      throw new StoreError(
        `database.url: ${url.split(':')[0]}: is not supported by this build; use sqlite:PATH (PostgreSQL support is planned)`,
      );
    }
    const path = url.slice('sqlite:'.length);
    let file: string;
    if (path === ':memory:') file = ':memory:';
    else {
      file = resolve(path);
      try {
        mkdirSync(dirname(file), { recursive: true });
      } catch (err) {
        throw new StoreError(`database.url: cannot create directory ${dirname(file)}: ${(err as Error).message}`);
      }
    }
    let sqlite: BetterSqlite3.Database;
    try {
      sqlite = new BetterSqlite3(file);
      // One process owns the file: a second `slackops serve` on the same database fails at start instead of
      // fighting over locks (several replicas need PostgreSQL).
      if (file !== ':memory:') sqlite.pragma('locking_mode = EXCLUSIVE');
      sqlite.pragma('busy_timeout = 2000');
      sqlite.pragma('journal_mode = WAL');
      // NORMAL in WAL mode survives a killed process; only an OS crash can lose the last commits.
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
    } catch (err) {
      if (/locked|busy/i.test((err as Error).message)) {
        throw new StoreError(`database.url: ${file} is in use by another process (another slackops serve?); SQLite serves one process`);
      }
      throw new StoreError(`database.url: cannot open ${file}: ${(err as Error).message}`);
    }
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const store = new Store(db, `sqlite:${file}`);
    try {
      await store.migrate();
      await store.releaseAllLeases();
    } catch (err) {
      await db.destroy().catch(() => undefined);
      if (/locked|busy/i.test((err as Error).message)) {
        throw new StoreError(`database.url: ${file} is in use by another process (another slackops serve?); SQLite serves one process`);
      }
      throw err;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider('sqlite') });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new StoreError(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`);
    }
  }

  /**
   * Runs `fn` in one transaction with repositories bound to it; commits when `fn` resolves, rolls back when it
   * throws (and rethrows).
   */
  async transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new Repositories(trx)));
  }

  /**
   * Frees every lease on queued work, outbox items and Slack interactions. SQLite is served by one process (the
   * file is locked exclusively), so at start any lease left is a killed process's: its work is due again now
   * rather than when the lease would have run out.
   */
  async releaseAllLeases(): Promise<void> {
    await this.db.updateTable('queue').set({ lease_until: null }).where('lease_until', 'is not', null).execute();
    await this.db.updateTable('outbox').set({ lease_until: null }).where('lease_until', 'is not', null).execute();
    await this.db.updateTable('slack_interactions').set({ lease_until: null }).where('lease_until', 'is not', null).execute();
  }

  /** True when the database answers a trivial query. */
  async ping(): Promise<boolean> {
    try {
      await sql`select 1`.execute(this.db);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
