/**
 * A webhook stage may not send the trusted identity header (`auth.trustedHeader`, any case) or Cookie: refused at
 * save (400 naming the field) and at run (the stage's config is read with the same rule).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { readWebhookConfig } from '../../src/engine/stages/webhook/config.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false, config: { auth: { trustedHeader: 'X-Forwarded-User' } } });
});
afterAll(async () => h?.close());

const hook = (customHeaders: Record<string, string>) => ({
  application: 'hooks',
  name: 'Call',
  stages: [{ refId: '1', requisiteStageRefIds: [], type: 'webhook', name: 'Call', url: 'http://127.0.0.1:9/x', customHeaders }],
});

describe('webhook customHeaders', () => {
  it.each([['x-forwarded-user'], ['X-SPINNAKER-USER'], ['Cookie'], ['cookie']])('refuses %s at save with 400 naming the field', async (name) => {
    const r = await h.api('POST', '/pipelines', hook({ [name]: 'alice@example.com' }));
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(JSON.stringify(r.body)).toContain(`customHeaders.${name}`);
    expect(JSON.stringify(r.body)).toMatch(/identity header or Cookie/);
  });
  it('keeps ordinary headers', async () => {
    const r = await h.api('POST', '/pipelines', hook({ Authorization: 'Bearer x', 'X-Request-Id': '1' }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });
  it('refuses them at run too', () => {
    const r = readWebhookConfig({ url: 'http://127.0.0.1:9/x', customHeaders: { 'X-Spinnaker-User': 'alice' } });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toMatch(/customHeaders\.X-Spinnaker-User: a webhook stage may not send/);
  });
});
