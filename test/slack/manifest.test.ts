import { manifestValidator as validator, manifestSchema as schema } from '../support/manifest-schema.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildManifest, manifestToText } from '../../src/slack/manifest.js';

const opts = { appName: 'SlackOps', displayName: 'slackops', gateUrl: 'https://gate.example.com/' };

describe('buildManifest', () => {
  it('builds the manifest SlackOps needs', () => {
    expect(buildManifest(opts)).toEqual({
      display_information: { name: 'SlackOps' },
      features: { bot_user: { display_name: 'slackops', always_online: false } },
      oauth_config: { scopes: { bot: ['users:read', 'users:read.email', 'chat:write'] } },
      settings: {
        interactivity: { is_enabled: true, request_url: 'https://gate.example.com/notifications/callbacks/slack' },
        org_deploy_enabled: false,
        socket_mode_enabled: false,
        token_rotation_enabled: false,
      },
    });
  });

  it('joins the callback path under a gate URL with a path, without doubling slashes', () => {
    expect(buildManifest({ ...opts, gateUrl: 'http://localhost:8084/spinnaker//' }).settings.interactivity.request_url).toBe(
      'http://localhost:8084/spinnaker/notifications/callbacks/slack',
    );
  });

  it("validates against Slack's manifest schema, as an object and in both text formats", () => {
    const validate = validator();
    const manifest = buildManifest(opts);
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    const json = manifestToText(manifest, 'json');
    const yaml = manifestToText(manifest, 'yaml');
    expect(json.endsWith('\n')).toBe(true);
    expect(yaml).toContain('request_url: https://gate.example.com/notifications/callbacks/slack');
    expect(yaml).toContain('  bot_user:\n    display_name: slackops');
    for (const parsed of [JSON.parse(json), parseYaml(yaml)]) {
      expect(parsed).toEqual(manifest);
      expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
    }
    // Longest allowed names also validate.
    const longest = buildManifest({ appName: 'a'.repeat(35), displayName: 'd'.repeat(80), gateUrl: 'http://x' });
    expect(validate(longest), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the schema check can fail (it would catch a too-long name)', () => {
    const validate = validator();
    const manifest = buildManifest(opts) as unknown as { display_information: { name: string } };
    manifest.display_information.name = 'x'.repeat(36);
    expect(validate(manifest)).toBe(false);
  });

  it('refuses bad options, naming the option', () => {
    expect(() => buildManifest({ ...opts, appName: '' })).toThrow(/appName/);
    expect(() => buildManifest({ ...opts, appName: '   ' })).toThrow(/appName/);
    expect(() => buildManifest({ ...opts, appName: 'a'.repeat(36) })).toThrow(/appName is 36 characters.*at most 35/);
    expect(() => buildManifest({ ...opts, displayName: 'd'.repeat(81) })).toThrow(/displayName.*at most 80/);
    expect(() => buildManifest({ ...opts, displayName: '' })).toThrow(/displayName/);
    expect(() => buildManifest({ ...opts, gateUrl: 'ftp://gate.example.com' })).toThrow(/gateUrl must use http or https/);
    expect(() => buildManifest({ ...opts, gateUrl: 'gate.example.com' })).toThrow(/gateUrl/);
    expect(() => buildManifest({ ...opts, gateUrl: '' })).toThrow(/gateUrl/);
    expect(() => buildManifest({ ...opts, gateUrl: 'https://gate.example.com/?x=1' })).toThrow(/gateUrl/);
    expect(() => buildManifest({ ...opts, gateUrl: `https://gate.example.com/${'p'.repeat(3500)}` })).toThrow(/gateUrl is too long/);
  });

  it('refuses an unknown text format', () => {
    expect(() => manifestToText(buildManifest(opts), 'toml' as 'json')).toThrow(/yaml.*json/);
  });
});
