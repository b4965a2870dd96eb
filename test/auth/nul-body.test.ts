/**
 * A NUL character (U+0000) in any JSON body string is refused with a 400 naming its path — PostgreSQL cannot store
 * it (before: a 500 from the database). Run on the real PostgreSQL (skipped with the reason when it is down).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgmentPipeline, postgresUnavailable, startHarness, type Harness } from '../support/harness.js';
import { nulPath } from '../../src/api/app.js';

const down = await postgresUnavailable();
let h: Harness;
beforeAll(async () => {
  if (!down) h = await startHarness({ slackEnabled: false, postgres: true });
});
afterAll(async () => h?.close());

describe('NUL in a request body', () => {
  it('nulPath names the first string or key holding it', () => {
    expect(nulPath({ a: [1, { b: 'x\u0000' }] })).toBe('body.a[1].b');
    expect(nulPath({ ['k\u0000']: 1 })).toBe('body.k\\u0000');
    expect(nulPath({ a: 'fine', b: ['ok'] })).toBeNull();
  });

  it.skipIf(down !== null)(`is a 400 naming the path, on PostgreSQL${down ? ` (skipped: ${down})` : ''}`, async () => {
    const r = await h.api('POST', '/pipelines', judgmentPipeline({ name: 'Deploy\u0000 to production' }));
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.message).toMatch(/^body\.name: contains a NUL character/);
    const run = await h.api('POST', '/pipelines', judgmentPipeline());
    expect(run.status).toBe(200);
    const trig = await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1\u0000' } });
    expect(trig.status).toBe(400);
    expect(trig.body.message).toMatch(/^body\.parameters\.version: /);
  });
});
