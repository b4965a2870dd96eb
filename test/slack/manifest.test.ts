import { manifestValidator as validator, manifestSchema as schema } from '../support/manifest-schema.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildManifest, manifestToText, SLACK_BOT_SCOPES, SLACK_USER_GROUPS_SCOPE } from '../../src/slack/manifest.js';

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

  it('keeps the HTTP manifest unchanged when socketMode and userGroups are false', () => {
    expect(buildManifest({ ...opts, socketMode: false, userGroups: false })).toEqual(buildManifest(opts));
    expect(manifestToText(buildManifest({ ...opts, socketMode: false }), 'yaml')).toBe(manifestToText(buildManifest(opts), 'yaml'));
  });

  it('requires gateUrl without Socket Mode', () => {
    expect(() => buildManifest({ appName: 'SlackOps', displayName: 'slackops' })).toThrow(/gateUrl.*required unless Socket Mode/);
    expect(() => buildManifest({ ...opts, gateUrl: '  ' })).toThrow(/gateUrl/);
  });
});

describe('buildManifest with socketMode', () => {
  const socket = { appName: 'SlackOps', displayName: 'slackops', socketMode: true };

  it('turns Socket Mode on and enables interactivity without a request URL; gateUrl is optional', () => {
    const manifest = buildManifest(socket);
    expect(manifest).toEqual({
      display_information: { name: 'SlackOps' },
      features: { bot_user: { display_name: 'slackops', always_online: false } },
      oauth_config: { scopes: { bot: ['users:read', 'users:read.email', 'chat:write'] } },
      settings: {
        interactivity: { is_enabled: true },
        org_deploy_enabled: false,
        socket_mode_enabled: true,
        token_rotation_enabled: false,
      },
    });
    expect('request_url' in manifest.settings.interactivity).toBe(false);
    // A gate URL, when given, is checked but not used.
    expect(buildManifest({ ...socket, gateUrl: 'https://gate.example.com' })).toEqual(manifest);
    expect(buildManifest({ ...socket, gateUrl: '' })).toEqual(manifest);
    expect(() => buildManifest({ ...socket, gateUrl: 'ftp://gate.example.com' })).toThrow(/gateUrl must use http or https/);
  });

  it("validates against Slack's manifest schema, as an object and in both text formats", () => {
    const validate = validator();
    for (const manifest of [buildManifest(socket), buildManifest({ ...socket, userGroups: true })]) {
      expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
      const yaml = manifestToText(manifest, 'yaml');
      expect(yaml).toContain('socket_mode_enabled: true');
      expect(yaml).not.toContain('request_url');
      for (const parsed of [JSON.parse(manifestToText(manifest, 'json')), parseYaml(yaml)]) {
        expect(parsed).toEqual(manifest);
        expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
      }
    }
  });

  it('is what the schema says about interactivity: is_enabled is required, request_url is not', () => {
    const interactivity = (schema.definitions as Record<string, { required?: string[]; properties?: Record<string, unknown> }>)[
      'app-manifests.v1.settings.interactivity'
    ]!;
    expect(interactivity.required).toEqual(['is_enabled']);
    expect(Object.keys(interactivity.properties ?? {})).toContain('request_url');
  });
});

describe('buildManifest with userGroups', () => {
  it('adds usergroups:read to the bot scopes only when asked', () => {
    expect(buildManifest(opts).oauth_config.scopes.bot).not.toContain(SLACK_USER_GROUPS_SCOPE);
    expect(buildManifest({ ...opts, userGroups: true }).oauth_config.scopes.bot).toEqual([...SLACK_BOT_SCOPES, 'usergroups:read']);
    const validate = validator();
    const manifest = buildManifest({ ...opts, userGroups: true });
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    // The constant list is not changed by building.
    expect([...SLACK_BOT_SCOPES]).toEqual(['users:read', 'users:read.email', 'chat:write']);
  });
});
