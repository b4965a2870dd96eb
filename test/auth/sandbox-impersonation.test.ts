/**
 * With auth enabled, a Slack sandbox click is always the logged-in caller's own: a `userId` naming another sandbox
 * user is ignored, so nobody judges (or is audited) in someone else's name. Real service, real signed callback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/tokens.js';
import { judgmentPipeline, waitFor } from '../support/harness.js';
import { startSandboxService, type SandboxService } from '../support/sandbox-service.js';

const ALICE = 'slo_alice-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const BOB = 'slo_bob-token-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const CAROL = 'slo_carol-token-cccccccccccccccccccccccccccccccccccccc';
const as = (t: string) => ({ authorization: `Bearer ${t}` });

let s: SandboxService;
beforeAll(async () => {
  s = await startSandboxService({
    slack: { mode: 'sandbox' },
    auth: {
      enabled: true,
      tokens: [
        { name: 'alice', tokenSha256: sha256Hex(ALICE), user: 'alice@example.com' },
        { name: 'bob', tokenSha256: sha256Hex(BOB), user: 'bob@example.com' },
        // carol's role comes from her token only (not authz.roles): her sandbox clicks must carry it.
        { name: 'carol', tokenSha256: sha256Hex(CAROL), user: 'carol@example.com', roles: ['sre'] },
      ],
    },
    authz: { roles: { sre: ['bob@example.com'] } },
    headers: as(ALICE),
  });
});
afterAll(async () => s?.close());

describe('sandbox clicks with auth enabled', () => {
  it('are made as the caller: alice cannot approve as bob (selectedStageRoles sre), bob can approve as himself', async () => {
    const saved = await s.api('POST', '/pipelines', judgmentPipeline({}, { selectedStageRoles: ['sre'] }), as(ALICE));
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const run = await s.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } }, as(ALICE));
    expect(run.status).toBe(202);
    const id = String(run.body.ref).split('/').pop()!;
    const msg = await s.message('deploys', /awaiting manual judgment/);

    const users = await s.api('GET', '/sandbox/slack/users', undefined, as(ALICE));
    expect(users.body.users).toEqual([expect.objectContaining({ email: 'alice@example.com' })]);

    const forged = await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: msg.ts, actionId: 'judgment:continue', userId: 'U0SANDBOXBOB' }, as(ALICE));
    expect(forged.status, JSON.stringify(forged.body)).toBe(200);
    // The click is processed after Slack's 200: wait for its audit entry, which must name alice (refused), not bob.
    const entry = await waitFor('the forged click\'s audit entry', async () => {
      const audit = await s.api('GET', '/audit?application=checkout', undefined, as(ALICE));
      return (audit.body as any[]).find((e: any) => e.action === 'judgment');
    }, 20_000);
    expect(entry).toMatchObject({ user: 'alice@example.com', outcome: 'refused' });
    const after = await s.api('GET', `/pipelines/${id}`, undefined, as(ALICE));
    expect(after.body.stages[0].status).toBe('RUNNING');

    const real = await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: msg.ts, actionId: 'judgment:continue', userId: 'U0SANDBOXALICE' }, as(BOB));
    expect(real.status).toBe(200);
    await waitFor('bob\'s approval', async () => {
      const ex = await s.api('GET', `/pipelines/${id}`, undefined, as(BOB));
      return ex.body.stages[0].context.judgmentStatus === 'continue' && ex.body.stages[0].context.lastModifiedBy === 'bob@example.com';
    }, 20_000);
  });

  it("carry the caller's token roles: carol (role sre from her token only) approves an sre-only stage", async () => {
    await s.api('POST', '/pipelines', judgmentPipeline({}, { selectedStageRoles: ['sre'] }), as(ALICE));
    const run = await s.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '2' } }, as(ALICE));
    expect(run.status).toBe(202);
    const id = String(run.body.ref).split('/').pop()!;
    // This run's message: the newest top-level one in #deploys (the first test's is there too).
    const msg = await waitFor('the second judgment message', async () => {
      const r = await s.api('GET', '/sandbox/slack/messages?channel=deploys', undefined, as(CAROL));
      const top = ((r.body?.messages ?? []) as any[]).filter((m) => m.threadTs === null);
      return top.length >= 2 ? top[top.length - 1] : undefined;
    }, 20_000);
    const click = await s.api('POST', '/sandbox/slack/actions', { channel: 'deploys', ts: msg.ts, actionId: 'judgment:continue', userId: 'U0SANDBOXYOU' }, as(CAROL));
    expect(click.status, JSON.stringify(click.body)).toBe(200);
    await waitFor("carol's approval", async () => {
      const ex = await s.api('GET', `/pipelines/${id}`, undefined, as(CAROL));
      return ex.body.stages[0].context.judgmentStatus === 'continue' && ex.body.stages[0].context.lastModifiedBy === 'carol@example.com';
    }, 20_000);
  });
});
