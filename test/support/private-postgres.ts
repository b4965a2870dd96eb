/**
 * A private PostgreSQL server for one test, to stop and start under a running service without touching the
 * machine's shared server (other tests use that one in parallel). Made with the Debian packages' binaries
 * (`/usr/lib/postgresql/<version>/bin/initdb` and `pg_ctl`), run as the `postgres` user through `runuser` (the
 * server refuses to run as root), in a temporary directory, on a free loopback port, with trust authentication.
 *
 * `privatePostgresUnavailable()` says why it cannot be had (not root, no `postgres` user, no binaries), for a skip
 * message.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './replica-process.js';

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory, or null. */
function binDir(): string | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')) && existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')))
    .sort((x, y) => Number(y) - Number(x));
  return versions.length ? join(PG_ROOT, versions[0]!, 'bin') : null;
}

/** uid and gid of the `postgres` user, or null. */
async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

/** Null when a private server can be started here, else why not. */
export async function privatePostgresUnavailable(): Promise<string | null> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'a private PostgreSQL needs root (to run it as the postgres user with runuser)';
  if (!binDir()) return `no PostgreSQL server binaries (initdb, pg_ctl) under ${PG_ROOT}/<version>/bin`;
  if (!(await postgresUser())) return 'there is no postgres user to run a private PostgreSQL as';
  try {
    await run('runuser', ['--help']);
  } catch {
    return 'runuser is not available';
  }
  return null;
}

/** A running private server; `url` names its `postgres` database (user `postgres`, trust auth, 127.0.0.1). */
export interface PrivatePostgres {
  url: string;
  port: number;
  /** Fast shutdown (`pg_ctl stop -m fast`): open connections are cut; resolves once the server is down. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /**
   * Freezes the server (SIGSTOP to the postmaster and each of its processes, by pid): connections stay open and
   * new ones are accepted by the kernel, but nothing answers — a hung database rather than a stopped one.
   */
  freeze(): Promise<void>;
  /** Undoes {@link freeze} (SIGCONT). */
  thaw(): Promise<void>;
  /** Stops it (immediate) and deletes its directory. */
  destroy(): Promise<void>;
  /** The server's log, for failure messages. */
  log(): string;
}

/**
 * initdb + start in a fresh temporary directory (owned by `postgres`).
 * @throws when a step fails (the message carries the tool's output); check {@link privatePostgresUnavailable} first.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir()!;
  const user = (await postgresUser())!;
  const dir = mkdtempSync(join(tmpdir(), 'slackops-private-pg-'));
  chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const asPostgres = async (tool: string, args: string[]) => {
    try {
      return await run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { timeout: 60_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      let log = '';
      try {
        log = readFileSync(logFile, 'utf8');
      } catch {
        /* none yet */
      }
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}\n${log}`);
    }
  };
  // --no-sync and fsync=off: a test server, its data is thrown away.
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
  };
  await start();
  const freeze = async () => {
    for (const pid of await serverPids(data)) process.kill(pid, 'SIGSTOP');
  };
  const thaw = async () => {
    for (const pid of await serverPids(data)) process.kill(pid, 'SIGCONT');
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    },
    freeze,
    thaw,
    async destroy() {
      await thaw().catch(() => undefined);
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '60', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    log() {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
}

/** The postmaster's pid (first line of postmaster.pid) and its children's (from `ps --ppid`). */
async function serverPids(data: string): Promise<number[]> {
  const main = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(main) || main <= 0) throw new Error('no postmaster.pid');
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(main)]).catch(() => ({ stdout: '' }));
  return [main, ...stdout.split(/\s+/).filter(Boolean).map(Number)];
}
