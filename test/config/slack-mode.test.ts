/** slack.mode: how it defaults and how it combines with slack.enabled and slack.token. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';

const TOKEN = 'xoxb-1-2-abc';

describe('slack.mode', () => {
  it('defaults to sandbox with no Slack settings, and to slack when a token or slack.enabled is set', () => {
    expect(parseConfig({}, {}).slack).toMatchObject({ mode: 'sandbox', enabled: false, token: null });
    expect(parseConfig({ slack: { token: TOKEN } }, {}).slack.mode).toBe('slack');
    expect(parseConfig({}, { SLACKOPS_SLACK_TOKEN: TOKEN }).slack.mode).toBe('slack');
    expect(parseConfig({ slack: { enabled: false } }, {}).slack).toMatchObject({ mode: 'slack', enabled: false });
    expect(parseConfig({ slack: { enabled: true, token: TOKEN, signingSecret: 's' } }, {}).slack.mode).toBe('slack');
  });

  it('sandbox needs no token or secret, even with slack.enabled: true, and may sit beside a token', () => {
    expect(parseConfig({ slack: { mode: 'sandbox', enabled: true } }, {}).slack).toMatchObject({ mode: 'sandbox', enabled: true });
    expect(parseConfig({ slack: { mode: 'Sandbox', token: TOKEN } }, {}).slack).toMatchObject({ mode: 'sandbox', token: TOKEN });
    expect(parseConfig({}, { SLACKOPS_SLACK_MODE: 'sandbox', SLACKOPS_SLACK_TOKEN: TOKEN }).slack.mode).toBe('sandbox');
  });

  it('slack.enabled: true without a token still asks for the token (real Slack), as before', () => {
    expect(() => parseConfig({ slack: { enabled: true } }, {})).toThrow(/slack\.token: required when slack\.enabled is true/);
    expect(() => parseConfig({ slack: { mode: 'slack', enabled: true } }, {})).toThrow(/slack\.token: required/);
  });

  it('refuses an unknown mode and the contradiction with slack.enabled: false, naming the key', () => {
    const bad = (raw: unknown, env: Record<string, string> = {}) => {
      try {
        parseConfig(raw, env);
      } catch (err) {
        if (err instanceof ConfigError) return err.issues;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ slack: { mode: 'fake' } })).toEqual([{ path: 'slack.mode', message: 'expected one of slack, sandbox, got "fake"' }]);
    expect(bad({ slack: { mode: 'sandbox' } }, { SLACKOPS_SLACK_ENABLED: 'false' })).toEqual([
      { path: 'slack.mode', message: 'sandbox contradicts slack.enabled: false (which means no Slack at all, sandbox included); remove one of them' },
    ]);
  });
});
