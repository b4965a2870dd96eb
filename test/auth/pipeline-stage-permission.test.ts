/**
 * A `pipeline` stage starting another application's pipeline is a trigger of that pipeline: with auth enabled the
 * parent's trigger user must hold EXECUTE on the child's application, or the stage ends TERMINAL naming the
 * permission; the start is audited on the child application with `via: pipeline`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/tokens.js';
import { startHarness, waitFor, type Harness } from '../support/harness.js';

const TOKENS = {
  deployer: 'slo_deployer-pstage-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  carol: 'slo_carol-pstage-ccccccccccccccccccccccccccccccccccccc',
  admin: 'slo_admin-pstage-ddddddddddddddddddddddddddddddddddddd',
};
type Who = keyof typeof TOKENS;
const as = (who: Who) => ({ authorization: `Bearer ${TOKENS[who]}` });
const tokens = [
  { name: 'deployer', tokenSha256: sha256Hex(TOKENS.deployer), user: 'dave@example.com', roles: ['prod-deployers'] },
  { name: 'carol', tokenSha256: sha256Hex(TOKENS.carol), user: 'carol@example.com' },
  { name: 'admin', tokenSha256: sha256Hex(TOKENS.admin), user: 'root@example.com', roles: ['platform-admins'] },
];

let h: Harness;
let childId: string;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false, config: { auth: { enabled: true, tokens, adminRoles: ['platform-admins'] } } });
  const put = await h.api('PUT', '/applications/prod', { permissions: { READ: ['prod-deployers'], WRITE: ['prod-deployers'], EXECUTE: ['prod-deployers'] } }, as('admin'));
  expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
  const child = await h.api('POST', '/pipelines', { application: 'prod', name: 'Child', stages: [{ refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Nap', waitTime: 0 }] }, as('admin'));
  expect(child.status, JSON.stringify(child.body)).toBe(200);
  childId = (await h.api('GET', '/applications/prod/pipelineConfigs', undefined, as('admin'))).body.find((p: any) => p.name === 'Child').id;
  const parent = await h.api('POST', '/pipelines', {
    application: 'sandboxapp',
    name: 'Parent',
    stages: [{ refId: '1', requisiteStageRefIds: [], type: 'pipeline', name: 'Start prod', application: 'prod', pipeline: childId }],
  }, as('carol'));
  expect(parent.status, JSON.stringify(parent.body)).toBe(200);
});
afterAll(async () => h?.close());

async function runParent(who: Who) {
  const res = await h.api('POST', '/pipelines/sandboxapp/Parent', {}, as(who));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const id = String(res.body.ref).split('/').pop()!;
  return waitFor('the parent to end', async () => {
    const e = (await h.api('GET', `/pipelines/${id}`, undefined, as('admin'))).body;
    return ['SUCCEEDED', 'TERMINAL'].includes(e.status) ? e : null;
  }, 30_000);
}

describe('pipeline stage permissions', () => {
  it('refuses (TERMINAL, naming EXECUTE) when the trigger user may not execute the child application, and audits it', async () => {
    const e = await runParent('carol');
    expect(e.status).toBe('TERMINAL');
    expect(JSON.stringify(e.stages[0].context.exception)).toMatch(/EXECUTE on application prod is needed.*carol@example\.com/);
    const audit = (await h.api('GET', '/audit?application=prod', undefined, as('admin'))).body as any[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'pipeline.trigger', user: 'carol@example.com', via: 'pipeline', outcome: 'denied' }));
    const runs = (await h.api('GET', '/applications/prod/pipelines', undefined, as('admin'))).body as any[];
    expect(runs).toHaveLength(0);
  });

  it('starts the child for a trigger user holding EXECUTE there, audited on the child application', async () => {
    const e = await runParent('deployer');
    expect(e.status, JSON.stringify(e.stages[0].context)).toBe('SUCCEEDED');
    const audit = (await h.api('GET', '/audit?application=prod', undefined, as('admin'))).body as any[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'pipeline.trigger', user: 'dave@example.com', via: 'pipeline', outcome: 'ok', executionId: e.stages[0].context.executionId }));
  });
});
