/**
 * Two replicas on one PostgreSQL database evaluate managed delivery without acting twice: each version is deployed
 * to an environment at most once, a pending judgement is posted once, and a click on either replica promotes.
 * Skipped, with the reason, only when the PostgreSQL server is unreachable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_TOKEN, createPgDatabase, postgresUnavailable, startHarness, waitFor, type Harness, type PgTestDatabase } from '../support/harness.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { clickJudgement, deployExecutions, judgementPosts, register, setUp, stateOf, waitState } from './support.js';

const unavailable = await postgresUnavailable();
if (unavailable) console.warn(`test/managed/replicas.test.ts skipped: ${unavailable}`);
const pgDescribe = unavailable ? describe.skip : describe;

pgDescribe('managed delivery on two PostgreSQL replicas', () => {
  let db: PgTestDatabase;
  let slack: FakeSlack;
  let a: Harness;
  let b: Harness;

  beforeAll(async () => {
    db = await createPgDatabase();
    slack = await startFakeSlack({ token: BOT_TOKEN, users: { U0ALICE: { name: 'alice', email: 'alice@example.com' } } });
    a = await startHarness({ slack, postgres: db.url });
    b = await startHarness({ slack, postgres: db.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await slack?.close();
    await db?.drop();
  });

  it('deploys each version once per environment and posts each judgement once', async () => {
    await setUp(a);
    // the same version registered on both replicas at once: registered once
    const both = await Promise.all([register(a, '1.0.0'), register(b, '1.0.0')]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 201]);
    await waitFor('the prod judgement message', () => judgementPosts(a).length >= 1, 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(judgementPosts(a)).toHaveLength(1);
    await clickJudgement(b, '1.0.0', 'managed:approve');
    await waitState(a, 'prod', '1.0.0', 'CURRENT', 30_000);
    // newer versions on both replicas: each (environment, version) deployed at most once
    await Promise.all([register(a, '1.0.1'), register(b, '1.0.2')]);
    await waitState(b, 'test', '1.0.2', 'CURRENT', 30_000);
    await waitFor('the 1.0.2 judgement message', () => judgementPosts(a).some((c) => JSON.stringify(c.args.blocks).includes('version *1.0.2*')), 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    const pairs = (await deployExecutions(a)).map((e) => `${e.trigger.parameters.environment}/${e.trigger.parameters.artifactVersion}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs.filter((p) => p.startsWith('prod/'))).toEqual(['prod/1.0.0']);
    const posts = judgementPosts(a).map((c) => JSON.stringify(c.args.blocks).match(/version \*([^*]+)\*/)![1]);
    expect(new Set(posts).size).toBe(posts.length);
  });
});
