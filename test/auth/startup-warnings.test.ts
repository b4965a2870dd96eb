/** Risky-but-allowed settings are named in start-up warnings (src/auth/bind.ts startupWarnings). */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { startupWarnings } from '../../src/auth/bind.js';

const cfg = (raw: Record<string, unknown>) => parseConfig(raw, {});

describe('startupWarnings', () => {
  it('says nothing for the loopback default', () => {
    expect(startupWarnings(cfg({ server: { host: '127.0.0.1' } }))).toEqual([]);
  });
  it('warns about the sandbox off loopback', () => {
    const w = startupWarnings(cfg({ server: { host: '0.0.0.0' }, auth: { enabled: true, tokens: [], trustedProxies: ['10.0.0.1'] }, slack: { mode: 'sandbox' } }));
    expect(w.join('\n')).toMatch(/Slack sandbox is on and 0\.0\.0\.0 is not loopback/);
  });
  it('warns loudly about unauthenticated off-loopback service and about trusting every proxy', () => {
    const w = startupWarnings(cfg({ server: { host: '0.0.0.0' }, auth: { enabled: false, allowUnauthenticated: true, trustedProxies: ['0.0.0.0/0'] }, slack: { enabled: false } }));
    expect(w.join('\n')).toMatch(/AUTHENTICATION IS OFF on 0\.0\.0\.0.*claim any identity/);
    expect(w.join('\n')).toMatch(/trustedProxies contains 0\.0\.0\.0\/0/);
  });
});
