/**
 * Start-up rules and the token command as a person meets them: the `slackops` CLI in a real child process, real
 * files; config secrets read from files and the environment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/index.js';
import { assertBindAllowed, BindRefusedError } from '../../src/auth/bind.js';
import { sha256Hex } from '../../src/auth/tokens.js';
import { startHarness } from '../support/harness.js';

const root = new URL('../../', import.meta.url).pathname;
let dir: string;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/index.ts'), ...args], {
      cwd: root,
      env: { ...process.env, SLACKOPS_CONFIG: '', SLACKOPS_SLACK_TOKEN: '', SLACKOPS_SLACK_SIGNING_SECRET: '', SLACKOPS_AUTH_ENABLED: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'slackops-auth-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('binding beyond loopback', () => {
  it('is refused at start without authentication, saying how to enable it or override deliberately (exit 2)', async () => {
    const config = file('open.yaml', `server:\n  host: 0.0.0.0\n  port: 0\nauth:\n  enabled: false\ndatabase:\n  url: sqlite:${join(dir, 'a.db')}\n`);
    const res = await run(['serve', '--config', config]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/refusing to serve 0\.0\.0\.0 without authentication/);
    expect(res.stderr).toMatch(/auth\.enabled: true/);
    expect(res.stderr).toMatch(/slackops token create/);
    expect(res.stderr).toMatch(/auth\.allowUnauthenticated: true/);
    const check = await run(['config', 'check', '--config', config]);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/refusing to serve 0\.0\.0\.0 without authentication/);
  }, 30_000);

  it('is refused when authentication is on (the default off loopback) but nobody could authenticate', () => {
    const config = parseConfig({ server: { host: '10.1.2.3' } }, {});
    expect(config.auth.enabled).toBe(true);
    expect(() => assertBindAllowed(config)).toThrow(BindRefusedError);
    expect(() => assertBindAllowed(config)).toThrow(/nobody could authenticate.*auth\.tokens.*auth\.trustedProxies.*auth\.allowUnauthenticated/);
  });

  it('is allowed on loopback, with a token or a trusted proxy, or with auth.allowUnauthenticated', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.2']) expect(() => assertBindAllowed(parseConfig({ server: { host } }, {}))).not.toThrow();
    expect(parseConfig({ server: { host: '127.0.0.1' } }, {}).auth.enabled).toBe(false);
    const entry = { name: 'ci', tokenSha256: sha256Hex('t'), user: 'ci@example.com' };
    expect(() => assertBindAllowed(parseConfig({ server: { host: '0.0.0.0' }, auth: { tokens: [entry] } }, {}))).not.toThrow();
    expect(() => assertBindAllowed(parseConfig({ server: { host: '0.0.0.0' }, auth: { trustedProxies: ['10.0.0.0/8'] } }, {}))).not.toThrow();
    expect(() => assertBindAllowed(parseConfig({ server: { host: '0.0.0.0' }, auth: { enabled: false, allowUnauthenticated: true } }, {}))).not.toThrow();
  });
});

describe('slackops token create', () => {
  it('prints a token once and the entry to paste; the service then accepts that token', async () => {
    const res = await run(['token', 'create', '--user', 'alice@example.com', '--roles', 'sre, deployers,sre', '--name', 'alice-laptop']);
    expect(res.code, res.stderr).toBe(0);
    const token = res.stdout.split('\n').find((l) => l.startsWith('slo_'))!;
    expect(token).toMatch(/^slo_[A-Za-z0-9_-]{43}$/);
    const yaml = parseYaml(res.stdout.slice(res.stdout.indexOf('auth:'))) as { auth: { tokens: Array<Record<string, unknown>> } };
    expect(yaml.auth.tokens).toEqual([{ name: 'alice-laptop', tokenSha256: sha256Hex(token), user: 'alice@example.com', roles: ['sre', 'deployers'] }]);
    expect(res.stdout.split(token).length - 1, 'the token is printed exactly once').toBe(1);

    const h = await startHarness({ slackEnabled: false, config: { auth: { enabled: true, tokens: yaml.auth.tokens } } });
    try {
      const me = await h.api('GET', '/auth/me', undefined, { authorization: `Bearer ${token}` });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ user: 'alice@example.com', roles: ['sre', 'deployers'], tokenName: 'alice-laptop' });
    } finally {
      await h.close();
    }
  }, 30_000);

  it('prints a different token every time, and refuses a missing or blank --user (exit 2)', async () => {
    const [a, b] = await Promise.all([run(['token', 'create', '--user', 'x@example.com']), run(['token', 'create', '--user', 'x@example.com'])]);
    expect(a.stdout.split('\n')[1]).not.toBe(b.stdout.split('\n')[1]);
    expect((await run(['token', 'create'])).code).toBe(2);
    const blank = await run(['token', 'create', '--user', ' ']);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toMatch(/--user/);
  }, 30_000);
});

describe('auth.tokens in the configuration', () => {
  it('names the entry and field of each problem and never quotes what may be a pasted token', () => {
    const pasted = 'slo_pasted-instead-of-its-hash-xxxxxxxxxxxxxxxxxxxx';
    let err: ConfigError | undefined;
    try {
      parseConfig({ auth: { tokens: [{ name: 'ci', tokenSha256: pasted, user: 'ci@example.com' }, { name: '', token: pasted, user: '' }] } }, {});
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = err!.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['auth.tokens[0].tokenSha256', 'auth.tokens[1].token', 'auth.tokens[1].tokenSha256', 'auth.tokens[1].user', 'auth.tokens[1].name']));
    expect(err!.message).toMatch(/holds the SHA-256 of the token in tokenSha256, never the token/);
    expect(err!.message).not.toContain(pasted);
  });

  it('checks trustedProxies are addresses or CIDR ranges', () => {
    expect(() => parseConfig({ auth: { trustedProxies: ['10.0.0.0/8', 'proxy.internal'] } }, {})).toThrow(/auth\.trustedProxies: expected IP addresses or CIDR ranges.*item 1 is "proxy\.internal"/);
  });
});

describe('secrets from files and the environment', () => {
  const TOKEN = 'xoxb-from-file-SECRETVALUE-0001';
  it('reads ${file:...} and ${env:...} in any value, trimming the file\'s final newline', () => {
    const tokenFile = file('slack-token', `${TOKEN}\n`);
    const cfg = file('secrets.yaml', `slack:\n  enabled: true\n  token: \${file:${tokenFile}}\n  signingSecret: \${env:MY_SIGNING_SECRET}\ndatabase:\n  url: postgres://app:\${env:PGPASS}@db:5432/x\n`);
    const config = loadConfig({ file: cfg, env: { MY_SIGNING_SECRET: 'signing-from-env', PGPASS: 'pw' } });
    expect(config.slack.token).toBe(TOKEN);
    expect(config.slack.signingSecret).toBe('signing-from-env');
    expect(config.database.url).toBe('postgres://app:pw@db:5432/x');
  });

  it('names the key and the file when the file cannot be read, and never prints a secret that was read', () => {
    const unreadable = file('unreadable', 'xoxb-UNREADABLE-SECRET');
    chmodSync(unreadable, 0o000);
    const wrong = file('wrong-kind', 'xapp-1-NOT-A-BOT-TOKEN-SECRETVALUE');
    const cfg = file(
      'bad-secrets.yaml',
      `slack:\n  enabled: true\n  token: \${file:${wrong}}\n  signingSecret: \${file:${join(dir, 'missing')}}\n  appToken: \${file:${unreadable}}\nlogging:\n  level: \${env:NOPE_NOT_SET}\n`,
    );
    let err: ConfigError | undefined;
    try {
      loadConfig({ file: cfg, env: {} });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const byPath = Object.fromEntries(err!.issues.map((i) => [i.path, i.message]));
    expect(byPath['slack.signingSecret']).toBe(`\${file:${join(dir, 'missing')}}: file not found`);
    // root can read anything: then the unreadable file is read, and its content is still not shown
    if (process.getuid?.() !== 0) expect(byPath['slack.appToken']).toBe(`\${file:${unreadable}}: permission denied`);
    expect(byPath['logging.level']).toBe('${env:NOPE_NOT_SET}: environment variable NOPE_NOT_SET is not set');
    expect(byPath['slack.token']).toMatch(/expected a bot token/);
    expect(err!.message).not.toMatch(/SECRETVALUE|UNREADABLE-SECRET/);
    chmodSync(unreadable, 0o600);
  });
});
