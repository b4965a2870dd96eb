/**
 * `runAsUser` on a trigger acts in that user's name, so with auth enabled only the user themself or an admin may
 * set it (403 naming the field); with auth disabled it stays free.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/tokens.js';
import { startHarness, type Harness } from '../support/harness.js';

const TOKENS = { carol: 'slo_carol-runas-cccccccccccccccccccccccccccccccccccccc', admin: 'slo_admin-runas-dddddddddddddddddddddddddddddddddddddd' };
const as = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });
const tokens = [
  { name: 'carol', tokenSha256: sha256Hex(TOKENS.carol), user: 'carol@example.com' },
  { name: 'admin', tokenSha256: sha256Hex(TOKENS.admin), user: 'root@example.com', roles: ['platform-admins'] },
];
const hooked = (runAsUser: string) => ({
  application: 'hooks',
  name: 'On push',
  triggers: [{ type: 'cron', cronExpression: '0 0 3 * * ?', enabled: false }, { type: 'webhook', source: 'runas-push', enabled: true, runAsUser }],
  stages: [{ refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Nap', waitTime: 0 }],
});

let h: Harness;
let open: Harness;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false, config: { auth: { enabled: true, tokens, adminRoles: ['platform-admins'] } } });
  open = await startHarness({ slackEnabled: false });
});
afterAll(async () => {
  await h?.close();
  await open?.close();
});

describe('runAsUser at save', () => {
  it('refuses another user\'s name for a non-admin, 403 naming the field', async () => {
    const r = await h.api('POST', '/pipelines', hooked('alice@example.com'), as('carol'));
    expect(r.status, JSON.stringify(r.body)).toBe(403);
    expect(r.body.message).toMatch(/^triggers\[1\]\.runAsUser: only an admin/);
  });
  it('accepts the saver\'s own name (any case) and anyone\'s for an admin', async () => {
    expect((await h.api('POST', '/pipelines', hooked('Carol@example.com'), as('carol'))).status).toBe(200);
    expect((await h.api('POST', '/pipelines', hooked('alice@example.com'), as('admin'))).status).toBe(200);
  });
  it('is not checked with auth disabled', async () => {
    expect((await open.api('POST', '/pipelines', hooked('alice@example.com'))).status).toBe(200);
  });
});
