/**
 * Payload-constraint regexes: the reviewer's patterns that safe-regex2 accepts but that backtrack exponentially
 * are refused at save (400 naming the field, saying why and how to rewrite); common safe patterns stay accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSafePattern, patternProblem } from '../../src/triggers/webhook.js';
import { startHarness, type Harness } from '../support/harness.js';

const BAD = ['^(a|a)+$', '^(a|aa)+$', '^(\\w|a)*$', '^([a-z]|a)+$', '^(a+)+$', '(x|y){2,}', '(ab?){1,5}', '^(?:a|b)*c$'];
const GOOD = ['^main$', '^release/.*$', '^(main|develop)$', '^v\\d+\\.\\d+\\.\\d+$', '^[a-z0-9-]+$', '^(feature|bugfix)/[\\w.-]+$', '(ab){0,1}', '(a|b)?', 'refs/heads/(main|master)'];

describe('patternProblem', () => {
  it.each(BAD)('refuses %s', (p) => {
    expect(isSafePattern(p)).toBe(false);
  });
  it.each(GOOD)('accepts %s', (p) => {
    expect(patternProblem(p)).toBeNull();
    expect(isSafePattern(p)).toBe(true);
  });
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false });
});
afterAll(async () => h?.close());

describe('at save', () => {
  const hooked = (constraint: string) => ({
    application: 'hooks',
    name: 'On push',
    triggers: [{ type: 'webhook', source: 'redos', enabled: true, payloadConstraints: { branch: constraint } }],
    stages: [{ refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Nap', waitTime: 0 }],
  });
  it('refuses ^(a|aa)+$ with a 400 naming the field and how to rewrite it', async () => {
    const r = await h.api('POST', '/pipelines', hooked('^(a|aa)+$'));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toMatch(/triggers\[0\]\.payloadConstraints\.branch.*exponential time.*character class/);
  });
  it('accepts ^(main|develop)$', async () => {
    expect((await h.api('POST', '/pipelines', hooked('^(main|develop)$'))).status).toBe(200);
  });
});
