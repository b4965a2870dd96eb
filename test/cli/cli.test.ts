/**
 * The `slackops` command as a person runs it: a real child process, real files, the fake Slack on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { manifestValidator } from '../support/manifest-schema.js';

const root = new URL('../../', import.meta.url).pathname;
const TOKEN = 'xoxb-cli-test-SECRET-token';
const SECRET = 'cli-test-signing-SECRET';
let slack: FakeSlack;
let dir: string;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/index.ts'), ...args], {
      cwd: root,
      env: { ...process.env, SLACKOPS_CONFIG: '', SLACKOPS_SLACK_TOKEN: '', SLACKOPS_SLACK_SIGNING_SECRET: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  slack = await startFakeSlack({ token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'slackops-cli-'));
});
afterAll(async () => {
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('slackops manifest', () => {
  it('prints a manifest that validates against Slack\'s manifest schema, in YAML and JSON', async () => {
    const args = ['manifest', '--app-name', 'SlackOps', '--display-name', 'slackops', '--gate-url', 'https://deploy.example.com/'];
    const yaml = await run(args);
    expect(yaml.code).toBe(0);
    const json = await run([...args, '--format', 'json']);
    expect(json.code).toBe(0);
    const fromYaml = parseYaml(yaml.stdout);
    const fromJson = JSON.parse(json.stdout);
    expect(fromYaml).toEqual(fromJson);
    const validate = manifestValidator();
    expect(validate(fromJson), JSON.stringify(validate.errors)).toBe(true);
    expect(fromJson.settings.interactivity.request_url).toBe('https://deploy.example.com/notifications/callbacks/slack');
    expect(fromJson.oauth_config.scopes.bot).toEqual(['users:read', 'users:read.email', 'chat:write']);
  });

  it('refuses a missing or bad option with a message naming it and a non-zero exit', async () => {
    const missing = await run(['manifest', '--app-name', 'X', '--display-name', 'x']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('--gate-url');
    const bad = await run(['manifest', '--app-name', 'X', '--display-name', 'x', '--gate-url', 'ftp://nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/gate-?[uU]rl/);
  });
});

describe('slackops config check', () => {
  it('reports the workspace and bot the token reaches, without printing secrets', async () => {
    const file = configFile('ok.yml', `slack:\n  enabled: true\n  baseUrl: ${slack.baseUrl}\n`);
    const res = await run(['config', 'check', '--config', file], { SLACKOPS_SLACK_TOKEN: TOKEN, SLACKOPS_SLACK_SIGNING_SECRET: SECRET });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/reached workspace/);
    expect(res.stdout + res.stderr).not.toContain(TOKEN);
    expect(res.stdout + res.stderr).not.toContain(SECRET);
  });

  it('prints Slack\'s error in words when the token is refused', async () => {
    const file = configFile('badtoken.yml', `slack:\n  enabled: true\n  token: xoxb-wrong-SECRET\n  signingSecret: s\n  baseUrl: ${slack.baseUrl}\n`);
    const res = await run(['config', 'check', '--config', file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('invalid_auth');
    expect(res.stdout + res.stderr).not.toContain('xoxb-wrong-SECRET');
  });

  it('names the key and the problem for a bad file, and exits 2', async () => {
    const cases: Array<[string, RegExp]> = [
      ['server:\n  port: abc\n', /server\.port/],
      ['slak:\n  enabled: true\n', /slak/],
      ['slack:\n  enabled: true\n', /slack\.token/],
      ['server: [unclosed\n', /yml|yaml|line/i],
    ];
    for (const [text, expected] of cases) {
      const res = await run(['config', 'check', '--config', configFile('bad.yml', text)]);
      expect(res.code, text).toBe(2);
      expect(res.stderr, text).toMatch(expected);
    }
    const missing = await run(['config', 'check', '--config', join(dir, 'nope.yml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yml');
  });
});

describe('slackops serve', () => {
  it('refuses to start with Slack enabled but no signing secret, naming the key', async () => {
    const file = configFile('nosecret.yml', `slack:\n  enabled: true\n  token: ${TOKEN}\n`);
    const res = await run(['serve', '--config', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('slack.signingSecret');
    expect(res.stderr).not.toContain(TOKEN);
  });
});
