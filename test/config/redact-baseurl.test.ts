import { describe, expect, it } from 'vitest';
import { parseConfig, redactedConfig } from '../../src/config/index.js';

describe('redactedConfig', () => {
  it('masks a password in slack.baseUrl (a proxy URL) as it does in database.url', () => {
    const config = parseConfig({ slack: { baseUrl: 'https://proxy:LEAKBASE@slack-proxy.example.com' } }, {});
    const shown = JSON.stringify(redactedConfig(config));
    expect(shown).not.toContain('LEAKBASE');
    expect(shown).toContain('https://proxy:***@slack-proxy.example.com');
  });
});
