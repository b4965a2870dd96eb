/**
 * The database behind the service, chosen by `database.url`. `sqlite:PATH` (the embedded default) opens a file
 * with better-sqlite3 in WAL mode; `postgres://...` (or `postgresql://...`) opens a `pg` pool for several replicas
 * sharing one database, with the same schema and migrations.
 *
 * Every state change goes through `transaction(fn)`: the repositories handed to `fn` write in one transaction,
 * so a crash between a change and the work that follows from it loses or doubles nothing.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type pgModule from 'pg';
import type { Database } from './schema.js';
import { migrationProvider, type Dialect } from './migrations.js';
import { Repositories } from './repositories.js';

export { Repositories } from './repositories.js';
export type { QueueMessage, OutboxItem, SlackMessageRow, SlackInteractionRow, ApplicationRecord, ApplicationPermissions, AuditEntry } from './repositories.js';

/** Thrown when `database.url` names something this build cannot open. */
/** The `pg` driver, imported at the first PostgreSQL use. */
async function loadPg(): Promise<typeof pgModule> {
  return (await import('pg')).default;
}

export class StoreError extends Error {}

/** Node socket errors that mean the database server could not be reached or went away. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when `err` says the database is unavailable (down, restarting, unreachable, or the pool could not get a
 * connection in time), as opposed to a bug or a bad statement: the API answers those with 503 and `Retry-After`,
 * so clients retry instead of reporting an internal error. PostgreSQL classes 08 (connection exception) and 57P
 * (operator intervention: admin shutdown, crash shutdown, cannot connect now); SQLite `SQLITE_BUSY` (locked).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('57P') || code === 'SQLITE_BUSY') return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (/timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|connection is closed/i.test(message)) return true;
    if (Array.isArray((e as { errors?: unknown }).errors)) return ((e as { errors: unknown[] }).errors).some((x) => isDatabaseUnavailable(x));
  }
  return false;
}

/** Which loop has new work: the engine's queue, the notification outbox, or recorded Slack interactions. */
export type WorkKind = 'queue' | 'outbox' | 'interactions';
const WORK_KINDS: readonly WorkKind[] = ['queue', 'outbox', 'interactions'];
/** The PostgreSQL channel replicas tell each other about new work on (`NOTIFY slackops_work, '<kind>'`). */
export const WORK_CHANNEL = 'slackops_work';

export class Store {
  /** Repositories outside any transaction (each call is its own statement). */
  readonly repos: Repositories;
  private readonly workListeners = new Set<(kind: WorkKind) => void>();
  /** Kinds whose NOTIFY is queued for the next turn of the event loop (several commits in a row send one). */
  private readonly pendingNotify = new Set<WorkKind>();
  /** The dedicated LISTEN connection (PostgreSQL), once asked for by {@link onWork}. */
  private listener: pgModule.Client | null = null;
  private listening: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    readonly db: Kysely<Database>,
    readonly description: string,
    /** `sqlite` (one process owns the file) or `postgres` (several replicas may share the database). */
    readonly dialect: Dialect = 'sqlite',
    /** The connection string, for the LISTEN connection (PostgreSQL only; never shown). */
    private readonly pgUrl: string | null = null,
  ) {
    this.repos = new Repositories(db, dialect);
  }

  /**
   * Opens the database named by `url` and runs pending migrations.
   * @param url `sqlite:PATH` (relative to the working directory; parent directories are created), `sqlite::memory:`,
   *   or `postgres://user:password@host:port/database` (`postgresql://` too).
   * @throws StoreError for an unsupported URL, a file that cannot be opened, or a PostgreSQL server that cannot be
   *   reached (the message names the host and the problem, never the password).
   */
  static async open(url: string): Promise<Store> {
    if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return Store.openPostgres(url);
    if (!url.startsWith('sqlite:')) {
      throw new StoreError(
        `database.url: ${url.split(':')[0]}: is not supported by this build; use sqlite:PATH or postgres://HOST/DATABASE`,
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

  /**
   * Opens a pooled PostgreSQL connection and runs pending migrations. Several replicas may start at once: Kysely's
   * Migrator holds a PostgreSQL advisory lock (`pg_advisory_lock`) while it migrates, and tolerates the race on
   * creating its own bookkeeping tables. Leases are not released at start: other replicas may hold live ones.
   */
  private static async openPostgres(url: string): Promise<Store> {
    let where: string;
    try {
      const u = new URL(url);
      where = `${u.hostname || 'localhost'}:${u.port || '5432'}/${decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default database)'}`;
    } catch {
      throw new StoreError('database.url: not a valid postgres:// URL');
    }
    const password = passwordOf(url);
    // Loaded only for PostgreSQL, so that a SQLite service starts without it.
    const pg = await loadPg();
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: 10_000,
      // Epoch-ms columns are bigint (int8); they fit in a double, so they come back as numbers, like SQLite's.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === pg.types.builtins.INT8 && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection dropped by the server (restart, network) must not crash the process; the next query
    // opens a new one and `ping()` reports the outage meanwhile.
    pool.on('error', () => undefined);
    // pg-pool listens for 'error' only on idle clients: a client checked out between two queries of a
    // transaction (the engine holds one while a handler runs) that loses its server (restart, admin shutdown)
    // emits 'error' with no listener, and Node ends the process. Each client gets a listener of its own; the
    // query in flight or the next one fails instead, the transaction rolls back, and the pool drops the client
    // (it is no longer queryable) when it comes back.
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
    try {
      const client = await pool.connect();
      client.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreError(`database.url: cannot connect to PostgreSQL at ${where}: ${describePgError(err, password)}`);
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const store = new Store(db, `postgres://${where}`, 'postgres', url);
    try {
      await store.migrate();
    } catch (err) {
      await db.destroy().catch(() => undefined);
      if (err instanceof StoreError) throw new StoreError(redact(err.message, password));
      throw new StoreError(`database.url: PostgreSQL at ${where}: ${describePgError(err, password)}`);
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.dialect) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const message = (error as Error).message ?? String(error);
      // Kysely's words for a database migrated by a newer build: name that, since it is what a rolling upgrade or
      // a rollback runs into (there are no down-migrations).
      const unknown = /previously executed migration (\S+) is missing/.exec(message);
      if (unknown) {
        throw new StoreError(
          `this database was migrated by a newer SlackOps (migration ${unknown[1]} is unknown to this version); run the newer version, or restore a backup taken before the upgrade`,
        );
      }
      const failed = results?.find((r) => r.status === 'Error');
      throw new StoreError(`database migration ${failed ? `${failed.migrationName} ` : ''}failed: ${message}`);
    }
  }

  /**
   * Runs `fn` in one transaction with repositories bound to it; commits when `fn` resolves, rolls back when it
   * throws (and rethrows).
   */
  async transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new Repositories(trx, this.dialect)));
  }

  /**
   * Frees every lease on queued work, outbox items and Slack interactions. SQLite is served by one process (the
   * file is locked exclusively), so at start any lease left is a killed process's: its work is due again now
   * rather than when the lease would have run out. Never call it on PostgreSQL while other replicas run: their
   * leases are live ({@link open} does not).
   */
  async releaseAllLeases(): Promise<void> {
    await this.db.updateTable('queue').set({ lease_until: null }).where('lease_until', 'is not', null).execute();
    await this.db.updateTable('outbox').set({ lease_until: null }).where('lease_until', 'is not', null).execute();
    await this.db.updateTable('slack_interactions').set({ lease_until: null }).where('lease_until', 'is not', null).execute();
    await this.repos.managed.evaluations.releaseAll();
  }

  /**
   * True when the database answers a trivial query within `timeoutMs` (default 2,000 ms); false when it fails or
   * takes longer (a server that is down, restarting or unreachable must not hold up `GET /health` — the pool's
   * connect timeout alone is 10 s, and with every pooled connection busy the query would queue).
   */
  async ping(timeoutMs = 2_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([
        sql`select 1`.execute(this.db).then(
          () => true,
          () => false,
        ),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Tells every replica that `kind` has new work (call after the commit that made it). On PostgreSQL this sends
   * `NOTIFY slackops_work, '<kind>'` (coalesced: calls in the same turn of the event loop send one); the sending
   * replica hears it too. On SQLite it does nothing: one process owns the database and wakes its loops itself.
   * Never throws: a lost notification only delays the work until the loops' next poll.
   */
  notifyWork(kind: WorkKind): void {
    if (this.dialect !== 'postgres' || this.closed || this.pendingNotify.has(kind)) return;
    this.pendingNotify.add(kind);
    setImmediate(() => {
      this.pendingNotify.delete(kind);
      if (this.closed) return;
      sql`select pg_notify(${WORK_CHANNEL}, ${kind})`.execute(this.db).catch(() => undefined);
    });
  }

  /**
   * Calls `fn` whenever any replica reports new work of a kind ({@link notifyWork}). On PostgreSQL the first call
   * opens a dedicated connection (not from the pool) that LISTENs on `slackops_work`; when it drops it reconnects
   * with backoff and then reports every kind once, since notifications sent meanwhile are lost. On SQLite `fn` is
   * never called. Resolves once the first LISTEN attempt has ended (listening, or retrying in the background).
   */
  async onWork(fn: (kind: WorkKind) => void): Promise<void> {
    this.workListeners.add(fn);
    if (this.dialect !== 'postgres' || this.closed) return;
    this.listening ??= this.listen(0, false);
    await this.listening;
  }

  private emitWork(kind: WorkKind): void {
    for (const fn of this.workListeners) {
      try {
        fn(kind);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  private async listen(attempt: number, reconnect: boolean): Promise<void> {
    if (this.closed || !this.pgUrl) return;
    const pg = await loadPg();
    const client = new pg.Client({ connectionString: this.pgUrl, connectionTimeoutMillis: 10_000 });
    let connected = false;
    let dropped = false;
    const drop = () => {
      if (dropped) return;
      dropped = true;
      if (this.listener === client) this.listener = null;
      client.end().catch(() => undefined);
      if (this.closed) return;
      const next = connected ? 0 : attempt + 1;
      const delay = Math.min(30_000, 250 * 2 ** Math.min(next, 7));
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        void this.listen(next, true);
      }, delay);
      this.reconnectTimer.unref();
    };
    client.on('error', drop);
    client.on('end', drop);
    client.on('notification', (n) => {
      if (n.channel === WORK_CHANNEL && WORK_KINDS.includes(n.payload as WorkKind)) this.emitWork(n.payload as WorkKind);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${WORK_CHANNEL}`);
    } catch {
      drop();
      return;
    }
    if (dropped) return;
    if (this.closed) {
      dropped = true;
      await client.end().catch(() => undefined);
      return;
    }
    connected = true;
    this.listener = client;
    if (reconnect) for (const kind of WORK_KINDS) this.emitWork(kind);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    this.workListeners.clear();
    await this.db.destroy();
  }
}

/** The password in a postgres:// URL (decoded), or null. */
function passwordOf(url: string): string | null {
  try {
    const u = new URL(url);
    const p = u.password || u.searchParams.get('password') || '';
    return p ? decodeURIComponent(p) : null;
  } catch {
    return null;
  }
}

function redact(text: string, password: string | null): string {
  return password ? text.split(password).join('***') : text;
}

/**
 * One line about why PostgreSQL could not be used: the driver's message, or for a refused/unresolved connection
 * (Node may report several addresses in an AggregateError with an empty message) the code of each attempt.
 */
function describePgError(err: unknown, password: string | null): string {
  const e = err as { message?: string; code?: string; errors?: Array<{ message?: string; code?: string }> };
  let text = e?.message ?? '';
  if (!text && Array.isArray(e?.errors)) text = e.errors.map((x) => x.message || x.code || '').filter(Boolean).join('; ');
  if (!text) text = e?.code ?? String(err);
  return redact(text, password);
}
