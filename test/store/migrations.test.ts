/**
 * Migrations on SQLite: a database migrated by a newer build (a migration this build does not know) is refused
 * with words that say so, not Kysely's "corrupted migrations" — what a rolling upgrade or a rollback runs into.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Store, StoreError } from '../../src/store/index.js';

describe('migrations', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a database migrated by a newer SlackOps, naming the unknown migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackops-migrations-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite');
    const store = await Store.open(`sqlite:${file}`);
    await store.close();
    const db = new Database(file);
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999_from_the_future', new Date().toISOString());
    db.close();

    const err = await Store.open(`sqlite:${file}`).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toBe(
      'this database was migrated by a newer SlackOps (migration 9999_from_the_future is unknown to this version); run the newer version, or restore a backup taken before the upgrade',
    );
  });

  it('opens a database it migrated itself again without change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slackops-migrations-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite');
    await (await Store.open(`sqlite:${file}`)).close();
    const again = await Store.open(`sqlite:${file}`);
    expect(await again.ping()).toBe(true);
    await again.close();
  });
});
