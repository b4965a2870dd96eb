import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIG_REFERENCE,
  ConfigError,
  ENV_VARS,
  SECRET_LOG_PATHS,
  configReferenceMarkdown,
  loadConfig,
  parseConfig,
  redactedConfig,
  type Config,
} from '../../src/config/index.js';

const TOKEN = 'xoxb-1111-2222-SECRETTOKEN';
const OTHER_TOKEN = 'xoxb-3333-4444-OTHERSECRET';
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const OTHER_SECRET = 'ffffeeee0000dddd1111cccc2222bbbb';
const APP_TOKEN = 'xapp-1-A0APP-5555-APPSECRETVALUE';
const OTHER_APP_TOKEN = 'xapp-1-A0APP-6666-OTHERAPPSECRET';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slackops-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The ConfigError thrown by `fn`; fails the test when nothing or something else is thrown. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function issue(err: ConfigError, p: string): string {
  const found = err.issues.find((i) => i.path === p);
  expect(found, `no issue for ${p} in:\n${err.message}`).toBeDefined();
  expect(err.message).toContain(`${p}: ${found!.message}`);
  return found!.message;
}

const FULL_YAML = `
server:
  host: 0.0.0.0
  port: "9000"
  publicUrl: https://ci.example.com/slackops/
database:
  url: postgres://slackops:dbpass@db.example.com:5432/slackops
slack:
  enabled: true
  token: ${TOKEN}
  botName: deploybot
  signingSecret: "${SECRET}"
  baseUrl: http://127.0.0.1:3999/
  socketMode: true
  appToken: ${APP_TOKEN}
logging:
  level: DEBUG
authz:
  roles:
    release-managers: [Alice@Example.com, " bob@example.com", alice@example.COM]
    sre:
  slackUserGroups: true
  userGroupCacheMs: 60000
`;

describe('defaults', () => {
  it('uses every default when there is no file and no environment', () => {
    const config = loadConfig({ env: {} });
    expect(config).toEqual({
      server: { host: '127.0.0.1', port: 8084, publicUrl: 'http://127.0.0.1:8084' },
      database: { url: `sqlite:${path.resolve(process.cwd(), 'data/slackops.db')}`, leaseMs: 60_000 },
      slack: {
        enabled: false,
        mode: 'sandbox',
        token: null,
        botName: 'slackops',
        signingSecret: null,
        baseUrl: 'https://slack.com',
        socketMode: false,
        appToken: null,
        responseUrlHosts: ['hooks.slack.com'],
      },
      logging: { level: 'info' },
      authz: { roles: {}, slackUserGroups: false, userGroupCacheMs: 300_000 },
      auth: { enabled: false, allowUnauthenticated: false, tokens: [], trustedHeader: 'X-SPINNAKER-USER', trustedProxies: [], adminRoles: [], oidc: null, sessionSecret: null, sessionTtlMs: 43_200_000 },
      webhook: { allowedHosts: null, deniedCidrs: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'] },
    } satisfies Config);
  });

  it('treats file: null and a blank file name as "no file given"', () => {
    expect(loadConfig({ file: null, env: {} }).server.port).toBe(8084);
    expect(loadConfig({ file: '  ', env: {} }).server.port).toBe(8084);
  });

  it('treats an empty file, null sections and empty values as unset', () => {
    expect(loadConfig({ file: file('empty.yaml', ''), env: {} }).server.port).toBe(8084);
    const config = loadConfig({ file: file('nulls.yaml', 'server:\nslack:\n  botName: ""\n  token:\n'), env: {} });
    expect(config.slack.botName).toBe('slackops');
    expect(config.slack.token).toBeNull();
  });

  it('returns a frozen config', () => {
    const config = parseConfig({}, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('derives publicUrl from host and port, showing 0.0.0.0 and :: as localhost', () => {
    expect(parseConfig({ server: { host: '0.0.0.0', port: 8080 } }, {}).server.publicUrl).toBe('http://localhost:8080');
    expect(parseConfig({ server: { host: '::' } }, {}).server.publicUrl).toBe('http://localhost:8084');
    expect(parseConfig({ server: { host: '::1' } }, {}).server.publicUrl).toBe('http://[::1]:8084');
    expect(parseConfig({ server: { host: 'ci.internal' } }, {}).server.publicUrl).toBe('http://ci.internal:8084');
  });
});

describe('a full YAML file', () => {
  it('reads every key', () => {
    const config = loadConfig({ file: file('full.yaml', FULL_YAML), env: {} });
    expect(config).toEqual({
      server: { host: '0.0.0.0', port: 9000, publicUrl: 'https://ci.example.com/slackops' },
      database: { url: 'postgres://slackops:dbpass@db.example.com:5432/slackops', leaseMs: 60_000 },
      slack: {
        enabled: true,
        mode: 'slack',
        token: TOKEN,
        botName: 'deploybot',
        signingSecret: SECRET,
        baseUrl: 'http://127.0.0.1:3999',
        socketMode: true,
        appToken: APP_TOKEN,
        responseUrlHosts: ['hooks.slack.com'],
      },
      logging: { level: 'debug' },
      authz: {
        roles: { 'release-managers': ['alice@example.com', 'bob@example.com'], sre: [] },
        slackUserGroups: true,
        userGroupCacheMs: 60_000,
      },
      auth: { enabled: true, allowUnauthenticated: false, tokens: [], trustedHeader: 'X-SPINNAKER-USER', trustedProxies: [], adminRoles: [], oidc: null, sessionSecret: null, sessionTtlMs: 43_200_000 },
      webhook: { allowedHosts: null, deniedCidrs: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'] },
    } satisfies Config);
  });

  it('is found through SLACKOPS_CONFIG when no file is given, relative to the current directory', () => {
    const p = file('via-env.yaml', 'server:\n  port: 9100\n');
    expect(loadConfig({ env: { SLACKOPS_CONFIG: p } }).server.port).toBe(9100);
    expect(loadConfig({ file: null, env: { SLACKOPS_CONFIG: path.relative(process.cwd(), p) } }).server.port).toBe(9100);
  });

  it('prefers opts.file over SLACKOPS_CONFIG', () => {
    const a = file('a.yaml', 'server:\n  port: 9201\n');
    const b = file('b.yaml', 'server:\n  port: 9202\n');
    expect(loadConfig({ file: a, env: { SLACKOPS_CONFIG: b } }).server.port).toBe(9201);
  });

  it('accepts the database URL forms', () => {
    const url = (u: string): string => parseConfig({ database: { url: u } }, {}).database.url;
    expect(url('sqlite::memory:')).toBe('sqlite::memory:');
    expect(url('sqlite:./var/x.db')).toBe(`sqlite:${path.resolve(process.cwd(), 'var/x.db')}`);
    expect(url('sqlite:/srv/slackops.db')).toBe('sqlite:/srv/slackops.db');
    expect(url('postgresql://u@h/db')).toBe('postgresql://u@h/db');
    expect(url('postgres://u:p@h:5432/db?sslmode=require')).toBe('postgres://u:p@h:5432/db?sslmode=require');
  });

  it('accepts port 0 (any free port, as tests use)', () => {
    expect(parseConfig({ server: { port: 0, publicUrl: 'http://x' } }, {}).server.port).toBe(0);
  });

  it('accepts xoxp- user tokens and "true"/"false" strings', () => {
    const c = parseConfig({ slack: { enabled: 'TRUE', token: 'xoxp-1-2', signingSecret: 's' } }, {});
    expect(c.slack).toMatchObject({ enabled: true, token: 'xoxp-1-2' });
  });
});

describe("echo's aliases", () => {
  it.each([
    ['slack.signing_secret', { signing_secret: SECRET }, 'signingSecret', SECRET],
    ['slack.app.token', { app: { token: TOKEN } }, 'token', TOKEN],
    ['slack.app.signingSecret', { app: { signingSecret: SECRET } }, 'signingSecret', SECRET],
    ['slack.app.signing_secret', { app: { signing_secret: SECRET } }, 'signingSecret', SECRET],
  ] as const)('%s sets slack.%s', (_alias, slack, key, value) => {
    const config = parseConfig({ slack }, {});
    expect(config.slack[key]).toBe(value);
  });

  it('reads an echo-style file', () => {
    const p = file('echo.yaml', `slack:\n  enabled: true\n  app:\n    token: ${TOKEN}\n    signing_secret: ${SECRET}\n`);
    expect(loadConfig({ file: p, env: {} }).slack).toMatchObject({ enabled: true, token: TOKEN, signingSecret: SECRET });
  });

  it('accepts an alias and its main key set to the same value', () => {
    const config = parseConfig({ slack: { token: TOKEN, signingSecret: SECRET, app: { token: TOKEN, signing_secret: SECRET } } }, {});
    expect(config.slack.token).toBe(TOKEN);
    expect(config.slack.signingSecret).toBe(SECRET);
  });

  it('refuses an alias and its main key set to different values, naming both and neither value', () => {
    const err = configError(() =>
      parseConfig({ slack: { token: TOKEN, signingSecret: SECRET, app: { token: OTHER_TOKEN, signingSecret: OTHER_SECRET } } }, {}),
    );
    expect(issue(err, 'slack.token')).toMatch(/slack\.token and slack\.app\.token/);
    expect(issue(err, 'slack.signingSecret')).toMatch(/slack\.signingSecret and slack\.app\.signingSecret/);
    for (const s of [TOKEN, OTHER_TOKEN, SECRET, OTHER_SECRET]) expect(JSON.stringify([err.message, err.issues])).not.toContain(s);
  });

  it('refuses two aliases with different values', () => {
    const err = configError(() => parseConfig({ slack: { signing_secret: SECRET, app: { signing_secret: OTHER_SECRET } } }, {}));
    expect(issue(err, 'slack.signingSecret')).toMatch(/slack\.signing_secret and slack\.app\.signing_secret/);
  });
});

describe('environment overrides', () => {
  it('win over the file for every key', () => {
    const p = file('env.yaml', FULL_YAML);
    const config = loadConfig({
      file: p,
      env: {
        SLACKOPS_SERVER_HOST: '10.0.0.5',
        SLACKOPS_SERVER_PORT: '9300',
        SLACKOPS_SERVER_PUBLIC_URL: 'https://other.example.com/',
        SLACKOPS_DATABASE_URL: 'sqlite::memory:',
        SLACKOPS_SLACK_ENABLED: 'false',
        SLACKOPS_SLACK_TOKEN: OTHER_TOKEN,
        SLACKOPS_SLACK_BOT_NAME: 'envbot',
        SLACKOPS_SLACK_SIGNING_SECRET: OTHER_SECRET,
        SLACKOPS_SLACK_BASE_URL: 'https://slack.example.com',
        SLACKOPS_SLACK_SOCKET_MODE: 'false',
        SLACKOPS_SLACK_APP_TOKEN: OTHER_APP_TOKEN,
        SLACKOPS_LOG_LEVEL: 'warn',
      },
    });
    expect(config).toEqual({
      server: { host: '10.0.0.5', port: 9300, publicUrl: 'https://other.example.com' },
      database: { url: 'sqlite::memory:', leaseMs: 60_000 },
      slack: {
        enabled: false,
        mode: 'slack',
        token: OTHER_TOKEN,
        botName: 'envbot',
        signingSecret: OTHER_SECRET,
        baseUrl: 'https://slack.example.com',
        socketMode: false,
        appToken: OTHER_APP_TOKEN,
        responseUrlHosts: ['hooks.slack.com'],
      },
      logging: { level: 'warn' },
      authz: config.authz,
      auth: { enabled: true, allowUnauthenticated: false, tokens: [], trustedHeader: 'X-SPINNAKER-USER', trustedProxies: [], adminRoles: [], oidc: null, sessionSecret: null, sessionTtlMs: 43_200_000 },
      webhook: { allowedHosts: null, deniedCidrs: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'] },
    } satisfies Config);
    expect(config.authz.slackUserGroups).toBe(true);
  });

  it('win over an alias in the file', () => {
    const config = parseConfig({ slack: { app: { token: TOKEN } } }, { SLACKOPS_SLACK_TOKEN: OTHER_TOKEN });
    expect(config.slack.token).toBe(OTHER_TOKEN);
  });

  it('satisfy slack.enabled with token and secret from the environment only', () => {
    const config = parseConfig({ slack: { enabled: true } }, { SLACKOPS_SLACK_TOKEN: TOKEN, SLACKOPS_SLACK_SIGNING_SECRET: SECRET });
    expect(config.slack).toMatchObject({ enabled: true, token: TOKEN, signingSecret: SECRET });
  });

  it('ignore empty variables', () => {
    expect(parseConfig({ server: { port: 9400 } }, { SLACKOPS_SERVER_PORT: '' }).server.port).toBe(9400);
  });

  it('are validated, naming the variable', () => {
    const err = configError(() => parseConfig({}, { SLACKOPS_SERVER_PORT: 'abc', SLACKOPS_SLACK_TOKEN: 'nope-SECRETVALUE' }));
    expect(issue(err, 'server.port')).toBe('expected an integer between 1 and 65535, got "abc" (from SLACKOPS_SERVER_PORT)');
    expect(issue(err, 'slack.token')).toBe('expected a bot token (xoxb-...) (from SLACKOPS_SLACK_TOKEN)');
    expect(err.message).not.toContain('SECRETVALUE');
  });

  it('is what the reference table says: every documented variable overrides its key', () => {
    const samples: Record<string, [string, unknown]> = {
      'server.host': ['10.1.1.1', '10.1.1.1'],
      'server.port': ['9555', 9555],
      'server.publicUrl': ['https://p.example.com', 'https://p.example.com'],
      'database.url': ['sqlite::memory:', 'sqlite::memory:'],
      'slack.enabled': ['true', true],
      'slack.mode': ['sandbox', 'sandbox'],
      'slack.token': [TOKEN, TOKEN],
      'slack.botName': ['b', 'b'],
      'slack.signingSecret': [SECRET, SECRET],
      'slack.baseUrl': ['https://s.example.com', 'https://s.example.com'],
      'slack.socketMode': ['true', true],
      'slack.appToken': [APP_TOKEN, APP_TOKEN],
      'logging.level': ['trace', 'trace'],
      'auth.enabled': ['true', true],
    };
    const documented = CONFIG_REFERENCE.filter((r) => r.env !== undefined);
    expect(documented.map((r) => r.key).sort()).toEqual(Object.keys(samples).sort());
    for (const row of documented) {
      const [text, value] = samples[row.key]!;
      const env = { [row.env!]: text, SLACKOPS_SLACK_TOKEN: TOKEN, SLACKOPS_SLACK_SIGNING_SECRET: SECRET };
      const config = parseConfig({}, env) as unknown as Record<string, Record<string, unknown>>;
      const [section, key] = row.key.split('.') as [string, string];
      expect(config[section]![key], row.key).toEqual(value);
      expect(ENV_VARS[row.key as keyof typeof ENV_VARS]).toBe(row.env);
    }
  });
});

describe('errors name the key', () => {
  it.each([
    ['server.host', { server: { host: 'two words' } }, 'expected a host name or IP address, got "two words"'],
    ['server.host', { server: { host: 8 } }, 'expected a host name or IP address, got 8'],
    ['server.port', { server: { port: 'abc' } }, 'expected an integer between 1 and 65535, got "abc"'],
    ['server.port', { server: { port: 70000 } }, 'expected an integer between 1 and 65535, got 70000'],
    ['server.port', { server: { port: 80.5 } }, 'expected an integer between 1 and 65535, got 80.5'],
    ['server.port', { server: { port: -1 } }, 'expected an integer between 1 and 65535, got -1'],
    ['server.publicUrl', { server: { publicUrl: 'ftp://x.example.com' } }, /expected an http\(s\) URL/],
    ['server.publicUrl', { server: { publicUrl: 'not a url' } }, /expected an http\(s\) URL/],
    ['server.publicUrl', { server: { publicUrl: 'https://x.example.com/?a=1' } }, /without query or fragment/],
    ['database.url', { database: { url: 'mysql://u:pw@h/db' } }, /sqlite:PATH, sqlite::memory:, postgres:\/\/\.\.\. or postgresql:\/\/\.\.\., got a "mysql:" URL/],
    ['database.url', { database: { url: 'slackops.db' } }, /got a value without a known scheme/],
    ['database.url', { database: { url: 'sqlite:' } }, /needs a file path/],
    ['database.url', { database: { url: 'sqlite://x.db' } }, /not sqlite:\/\//],
    ['database.url', { database: { url: 5432 } }, /got a number/],
    ['database.leaseMs', { database: { leaseMs: 500 } }, 'expected a whole number of milliseconds between 2000 and 3600000, got 500'],
    ['database.leaseMs', { database: { leaseMs: 'soon' } }, /expected a whole number of milliseconds/],
    ['slack.enabled', { slack: { enabled: 'maybe' } }, 'expected true or false, got "maybe"'],
    ['slack.token', { slack: { token: 'abc' } }, 'expected a bot token (xoxb-...)'],
    ['slack.token', { slack: { token: 'xapp-1-A-1' } }, /expected a bot token \(xoxb-\.\.\.\); xapp- is an app-level token/],
    ['slack.token', { slack: { token: 12345 } }, /expected a string, got a number/],
    ['slack.app.token', { slack: { app: { token: 'abc' } } }, 'expected a bot token (xoxb-...)'],
    ['slack.botName', { slack: { botName: 'two\nlines' } }, /expected a single-line name/],
    ['slack.signingSecret', { slack: { signingSecret: 123456 } }, /expected a string, got a number \(quote the value in YAML\)/],
    ['slack.baseUrl', { slack: { baseUrl: 'slack.com' } }, /expected an http\(s\) URL/],
    ['logging.level', { logging: { level: 'verbose' } }, 'expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"'],
    ['server', { server: 8084 }, 'expected a mapping of settings, got a number'],
    ['slack.app', { slack: { app: 'xoxb-1' } }, 'expected a mapping of settings, got a string'],
    ['(root)', ['a'], 'expected a mapping of settings, got a list'],
  ] as const)('%s: %j', (key, raw, expected) => {
    const err = configError(() => parseConfig(raw, {}));
    const message = issue(err, key);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  it('requires token and signing secret when slack.enabled is true', () => {
    const err = configError(() => parseConfig({ slack: { enabled: true } }, {}));
    expect(err.issues).toEqual([
      { path: 'slack.token', message: 'required when slack.enabled is true (set it in the file or SLACKOPS_SLACK_TOKEN)' },
      {
        path: 'slack.signingSecret',
        message: 'required when slack.enabled is true (set it in the file or SLACKOPS_SLACK_SIGNING_SECRET)',
      },
    ]);
    expect(err.message).toContain('slack.token: required when slack.enabled is true (set it in the file or SLACKOPS_SLACK_TOKEN)');
  });

  it('does not add "required" on top of a refused value', () => {
    const err = configError(() => parseConfig({ slack: { enabled: true, token: 'bad', signingSecret: SECRET } }, {}));
    expect(err.issues).toEqual([{ path: 'slack.token', message: 'expected a bot token (xoxb-...)' }]);
  });

  it('names unknown keys at every level, with a suggestion', () => {
    const err = configError(() =>
      parseConfig({ slak: { token: TOKEN }, server: { prot: 1 }, slack: { bot_name: 'x', app: { verification_token: 'v' } }, logging: { levle: 'info' } }, {}),
    );
    expect(issue(err, 'slak')).toBe('unknown key (did you mean "slack"? allowed: server, database, slack, logging, authz, auth, webhook)');
    expect(issue(err, 'server.prot')).toMatch(/did you mean "port"/);
    expect(issue(err, 'slack.bot_name')).toMatch(/did you mean "botName"/);
    expect(issue(err, 'slack.app.verification_token')).toMatch(/signing secret/);
    expect(issue(err, 'logging.levle')).toMatch(/did you mean "level"/);
  });

  it('does not print a key that looks like a token', () => {
    const err = configError(() => parseConfig({ slack: { [TOKEN]: true } }, {}));
    expect(err.message).not.toContain(TOKEN);
    expect(err.issues[0]!.path).toBe('slack.<a key that looks like a secret>');
  });

  it('lists every problem at once, in the message and in issues', () => {
    const err = configError(() =>
      parseConfig({ server: { port: 'abc', publicUrl: 'x' }, slack: { enabled: true }, logging: { level: 'loud' }, extra: 1 }, {}),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(
      ['extra', 'logging.level', 'server.port', 'server.publicUrl', 'slack.signingSecret', 'slack.token'].sort(),
    );
    expect(err.message).toMatch(/^invalid configuration \(6 problems\):\n/);
    for (const i of err.issues) expect(err.message).toContain(`  ${i.path}: ${i.message}`);
  });

  it('names a missing file', () => {
    const missing = path.join(dir, 'nope.yaml');
    const err = configError(() => loadConfig({ file: missing, env: {} }));
    expect(err.issues).toEqual([{ path: missing, message: 'config file not found' }]);
    expect(err.message).toContain(`${missing}: config file not found`);
    const viaEnv = configError(() => loadConfig({ env: { SLACKOPS_CONFIG: missing } }));
    expect(viaEnv.issues[0]!.message).toBe('config file not found (from SLACKOPS_CONFIG)');
  });

  it('names a directory given as the file', () => {
    const sub = path.join(dir, 'a-directory');
    mkdirSync(sub, { recursive: true });
    expect(configError(() => loadConfig({ file: sub, env: {} })).issues[0]).toEqual({
      path: sub,
      message: 'is a directory, expected a YAML file',
    });
  });

  it('gives the line of a YAML syntax error, without the secret on that line', () => {
    const p = file('broken.yaml', `server:\n  port: 8084\nslack:\n  token: "${TOKEN}\n  botName: x\n`);
    const err = configError(() => loadConfig({ file: p, env: {} }));
    expect(err.issues[0]!.path).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+$`));
    expect(err.issues[0]!.message).toMatch(/^YAML syntax error at line \d+, column \d+: /);
    expect(err.message).not.toContain('SECRETTOKEN');
  });

  it('reports duplicate keys as a YAML error with the line', () => {
    const p = file('dup.yaml', 'server:\n  port: 1\n  port: 2\n');
    const err = configError(() => loadConfig({ file: p, env: {} }));
    expect(err.issues[0]!.message).toMatch(/line 3, column 3: Map keys must be unique/);
  });

  it('reports unknown keys from a file, including __proto__, without polluting prototypes', () => {
    const p = file('proto.yaml', '__proto__:\n  polluted: true\nslak:\n  enabled: true\n');
    const err = configError(() => loadConfig({ file: p, env: {} }));
    expect(err.issues.map((i) => i.path)).toEqual(['__proto__', 'slak']);
    expect(err.file).toBe(p);
    expect(err.message.startsWith(`invalid configuration in ${p} (2 problems):`)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('secrets', () => {
  const everywhere = (err: ConfigError): string => JSON.stringify([err.message, err.issues, String(err), err.stack]);

  it('never appear in error messages', () => {
    const cases: Array<[unknown, NodeJS.ProcessEnv]> = [
      [{ slack: { token: 'notatoken-SECRET-A' } }, {}],
      [{ slack: { token: TOKEN, app: { token: OTHER_TOKEN } } }, {}],
      [{ slack: { enabled: true, token: TOKEN, signingSecret: SECRET, signing_secret: OTHER_SECRET } }, {}],
      [{ slack: { enabled: 'yes', token: TOKEN } }, { SLACKOPS_SLACK_SIGNING_SECRET: SECRET, SLACKOPS_SERVER_PORT: 'x' }],
      [{ database: { url: 'postgres://u:SECRET-DBPASS@h:notaport/db' } }, {}],
      [{ database: { url: 'mysql://u:SECRET-DBPASS@h/db' } }, {}],
      [{ slack: { [SECRET]: 1 } }, { SLACKOPS_SLACK_SIGNING_SECRET: SECRET }],
    ];
    for (const [raw, env] of cases) {
      const text = everywhere(configError(() => parseConfig(raw, env)));
      for (const s of [TOKEN, OTHER_TOKEN, SECRET, OTHER_SECRET, 'SECRET-A', 'SECRET-DBPASS']) expect(text, text).not.toContain(s);
    }
  });

  it('redactedConfig shows *** for set secrets, null for unset ones, and masks a database password', () => {
    const config = parseConfig(
      { slack: { enabled: true, token: TOKEN, signingSecret: SECRET }, database: { url: 'postgres://app:dbpass@db:5432/x' } },
      {},
    );
    const shown = redactedConfig(config);
    expect(shown).toEqual({
      server: config.server,
      database: { url: 'postgres://app:***@db:5432/x' },
      slack: {
        enabled: true,
        mode: 'slack',
        token: '***',
        botName: 'slackops',
        signingSecret: '***',
        baseUrl: 'https://slack.com',
        socketMode: false,
        appToken: null,
        responseUrlHosts: ['hooks.slack.com'],
      },
      logging: { level: 'info' },
      authz: { roles: {}, slackUserGroups: false, userGroupCacheMs: 300_000 },
      auth: config.auth,
      webhook: config.webhook,
    });
    expect(JSON.stringify(shown)).not.toMatch(/SECRETTOKEN|dbpass|8f742231/);
    expect(config.slack.token).toBe(TOKEN);

    const none = redactedConfig(parseConfig({}, {}));
    expect(none.slack.token).toBeNull();
    expect(none.slack.signingSecret).toBeNull();
    expect(redactedConfig(parseConfig({ database: { url: 'postgres://h/db?password=pw1' } }, {})).database.url).toBe(
      'postgres://h/db?password=***',
    );
  });

  it('SECRET_LOG_PATHS keep secrets out of pino logs', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: 'info', redact: { paths: SECRET_LOG_PATHS, censor: '***' } }, sink);
    const config = parseConfig(
      { slack: { enabled: true, token: TOKEN, signingSecret: SECRET }, database: { url: 'postgres://a:dbpass@h/db' } },
      {},
    );
    logger.info({ config }, 'whole config');
    logger.info(config, 'config at top level');
    logger.info({ slack: config.slack }, 'slack section');
    logger.info({ token: TOKEN, signingSecret: SECRET }, 'bare');
    logger.info({ options: { token: TOKEN } }, 'one level');
    logger.info({ slack: { app: { token: TOKEN, signing_secret: SECRET } } }, 'echo keys');
    logger.info({ req: { headers: { authorization: `Bearer ${TOKEN}`, 'x-slack-signature': 'v0=abc123sig' } } }, 'request');
    logger.info({ headers: { authorization: `Bearer ${TOKEN}` } }, 'headers');
    logger.info({ err: { config: { headers: { Authorization: `Bearer ${TOKEN}` } } } }, 'axios error');
    logger.info({ payload: { response_url: 'https://hooks.slack.com/actions/T/1/SECRETHOOK' } }, 'interaction');
    const out = lines.join('');
    expect(lines).toHaveLength(10);
    for (const s of ['SECRETTOKEN', SECRET, 'dbpass', 'abc123sig', 'SECRETHOOK']) expect(out).not.toContain(s);
    expect(out).toContain('"botName":"slackops"');
  });
});

describe('CONFIG_REFERENCE', () => {
  /** Settings whose value is itself a mapping (one row in the reference, not one per entry). */
  const MAP_SETTINGS = new Set(['authz.roles']);
  const keysOf = (obj: Record<string, unknown>, prefix = ''): string[] =>
    Object.entries(obj).flatMap(([k, v]) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) && !MAP_SETTINGS.has(`${prefix}${k}`)
        ? keysOf(v as Record<string, unknown>, `${prefix}${k}.`)
        : [`${prefix}${k}`],
    );

  it('has a row for every key of Config and every alias, and nothing else', () => {
    // auth.oidc is null until an issuer is set: list its keys from a configuration that has one.
    const withOidc = parseConfig({ auth: { oidc: { issuer: 'https://idp.example.com', clientId: 'x' } } }, {});
    const configKeys = keysOf(withOidc as unknown as Record<string, unknown>);
    const aliases = ['slack.signing_secret', 'slack.app.token', 'slack.app.signingSecret', 'slack.app.signing_secret'];
    expect(CONFIG_REFERENCE.map((r) => r.key).sort()).toEqual([...configKeys, ...aliases].sort());
    for (const r of CONFIG_REFERENCE) {
      expect(r.description.length).toBeGreaterThan(0);
      expect(r.description.length).toBeLessThan(160);
    }
  });

  it('states the defaults the loader applies', () => {
    const config = parseConfig({}, {}) as unknown as Record<string, Record<string, unknown>>;
    const oidc = parseConfig({ auth: { oidc: { issuer: 'https://idp.example.com', clientId: 'x' } } }, {}).auth.oidc as unknown as Record<string, unknown>;
    // issuer and clientId have no default (both required for OIDC login)
    for (const r of CONFIG_REFERENCE.filter((row) => !row.key.includes('_') && !row.key.startsWith('slack.app.') && !/^auth\.oidc\.(issuer|clientId)$/.test(row.key))) {
      const [section, key, sub] = r.key.split('.') as [string, string, string | undefined];
      const actual = sub !== undefined ? oidc[sub] : config[section]![key];
      if (r.key === 'auth.sessionSecret') expect([r.default, actual]).toEqual(['(random at start)', null]);
      else if (r.key === 'server.publicUrl') expect(r.default).toBe('http://<host>:<port>');
      else if (r.key === 'database.url') expect(actual).toBe(`sqlite:${path.resolve(r.default.slice('sqlite:'.length))}`);
      else if (actual === null) expect(r.default).toBe('(none)');
      else if (typeof actual === 'object') expect(r.default, r.key).toBe(JSON.stringify(actual));
      else expect(r.default, r.key).toBe(String(actual));
    }
  });

  it('renders as a Markdown table', () => {
    const md = configReferenceMarkdown();
    expect(md).toContain('| key | default | environment | description |');
    expect(md).toContain('| `server.port` | `8084` | `SLACKOPS_SERVER_PORT` |');
    expect(md).toContain('SLACKOPS_CONFIG');
  });
});

describe('Socket Mode (slack.socketMode, slack.appToken)', () => {
  const everywhere = (err: ConfigError): string => JSON.stringify([err.message, err.issues, String(err), err.stack]);

  it('is off by default, and needs no signing secret when on: the WebSocket is authenticated by the app token', () => {
    expect(parseConfig({}, {}).slack).toMatchObject({ socketMode: false, appToken: null });
    const config = parseConfig({ slack: { enabled: true, token: TOKEN, socketMode: true, appToken: APP_TOKEN } }, {});
    expect(config.slack).toMatchObject({ enabled: true, token: TOKEN, socketMode: true, appToken: APP_TOKEN, signingSecret: null });
  });

  it('can be configured from the environment only', () => {
    const config = parseConfig(
      {},
      { SLACKOPS_SLACK_ENABLED: 'true', SLACKOPS_SLACK_TOKEN: TOKEN, SLACKOPS_SLACK_SOCKET_MODE: 'TRUE', SLACKOPS_SLACK_APP_TOKEN: APP_TOKEN },
    );
    expect(config.slack).toMatchObject({ enabled: true, socketMode: true, appToken: APP_TOKEN, signingSecret: null });
  });

  it('accepts a signing secret as well (the HTTP callback may stay available)', () => {
    const config = parseConfig({ slack: { enabled: true, token: TOKEN, signingSecret: SECRET, socketMode: true, appToken: APP_TOKEN } }, {});
    expect(config.slack.signingSecret).toBe(SECRET);
  });

  it('requires the app token (and still the bot token) when slack.enabled and slack.socketMode are true', () => {
    const err = configError(() => parseConfig({ slack: { enabled: true, socketMode: true } }, {}));
    expect(err.issues).toEqual([
      { path: 'slack.token', message: 'required when slack.enabled is true (set it in the file or SLACKOPS_SLACK_TOKEN)' },
      {
        path: 'slack.appToken',
        message: 'required when slack.enabled and slack.socketMode are true (set it in the file or SLACKOPS_SLACK_APP_TOKEN)',
      },
    ]);
  });

  it('still requires the signing secret without Socket Mode, even when an app token is set', () => {
    const err = configError(() => parseConfig({ slack: { enabled: true, token: TOKEN, appToken: APP_TOKEN } }, {}));
    expect(err.issues.map((i) => i.path)).toEqual(['slack.signingSecret']);
    expect(everywhere(err)).not.toContain(APP_TOKEN);
  });

  it('needs nothing while Slack is disabled', () => {
    expect(parseConfig({ slack: { socketMode: true } }, {}).slack).toMatchObject({ enabled: false, socketMode: true, appToken: null });
  });

  it('reports only a refused slack.socketMode, not a requirement that depends on it', () => {
    const err = configError(() => parseConfig({ slack: { enabled: true, token: TOKEN, socketMode: 'sometimes' } }, {}));
    expect(err.issues).toEqual([{ path: 'slack.socketMode', message: 'expected true or false, got "sometimes"' }]);
    const fromEnv = configError(() => parseConfig({}, { SLACKOPS_SLACK_SOCKET_MODE: 'on' }));
    expect(issue(fromEnv, 'slack.socketMode')).toBe('expected true or false, got "on" (from SLACKOPS_SLACK_SOCKET_MODE)');
  });

  it.each([
    ['not a token', { appToken: 'abc-NOTXAPP-SECRET' }, {}, 'expected an app-level token (xapp-...)'],
    ['a bot token', { appToken: TOKEN }, {}, /^expected an app-level token \(xapp-\.\.\.\); xox\.\.\.- tokens are bot or user tokens/],
    ['a number', { appToken: 12345678 }, {}, /expected a string, got a number/],
    ['from the environment', {}, { SLACKOPS_SLACK_APP_TOKEN: 'nope-NOTXAPP-SECRET' }, 'expected an app-level token (xapp-...) (from SLACKOPS_SLACK_APP_TOKEN)'],
  ] as const)('refuses an app token that is %s, without printing it', (_what, slack, env, expected) => {
    const err = configError(() => parseConfig({ slack }, env));
    const message = issue(err, 'slack.appToken');
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
    const text = everywhere(err);
    for (const s of ['NOTXAPP', 'SECRETTOKEN', '12345678']) expect(text).not.toContain(s);
  });

  it('does not add "required" on top of a refused app token', () => {
    const err = configError(() => parseConfig({ slack: { enabled: true, token: TOKEN, socketMode: true, appToken: 'bad-token' } }, {}));
    expect(err.issues).toEqual([{ path: 'slack.appToken', message: 'expected an app-level token (xapp-...)' }]);
  });

  it('tells where an app token given as the bot token belongs', () => {
    const err = configError(() => parseConfig({ slack: { token: APP_TOKEN } }, {}));
    expect(issue(err, 'slack.token')).toMatch(/xapp- is an app-level token.*slack\.appToken/);
    expect(everywhere(err)).not.toContain('APPSECRETVALUE');
  });

  it('suggests appToken for a snake_case spelling', () => {
    const err = configError(() => parseConfig({ slack: { app_token: APP_TOKEN, socket_mode: true } }, {}));
    expect(issue(err, 'slack.app_token')).toMatch(/did you mean "appToken"/);
    expect(issue(err, 'slack.socket_mode')).toMatch(/did you mean "socketMode"/);
    expect(everywhere(err)).not.toContain('APPSECRETVALUE');
  });

  it('never prints the app token in errors, whatever else is wrong', () => {
    const cases: Array<[unknown, NodeJS.ProcessEnv]> = [
      [{ slack: { enabled: true, token: 'x', socketMode: true, appToken: APP_TOKEN }, server: { port: 'abc' } }, {}],
      [{ slack: { appToken: APP_TOKEN, [APP_TOKEN]: 1 } }, {}],
      [{ server: { host: APP_TOKEN.replace('xapp-', 'host ') } }, { SLACKOPS_SLACK_APP_TOKEN: APP_TOKEN.replace('xapp-', 'host ') }],
      [{ logging: { level: OTHER_APP_TOKEN } }, { SLACKOPS_SLACK_APP_TOKEN: OTHER_APP_TOKEN }],
    ];
    for (const [raw, env] of cases) {
      const text = everywhere(configError(() => parseConfig(raw, env)));
      for (const s of ['APPSECRETVALUE', 'OTHERAPPSECRET']) expect(text, text).not.toContain(s);
    }
  });

  it('redactedConfig shows *** for a set app token and null for none', () => {
    const config = parseConfig({ slack: { enabled: true, token: TOKEN, socketMode: true, appToken: APP_TOKEN } }, {});
    const shown = redactedConfig(config);
    expect(shown.slack).toEqual({
      enabled: true,
      mode: 'slack',
      token: '***',
      botName: 'slackops',
      signingSecret: null,
      baseUrl: 'https://slack.com',
      socketMode: true,
      appToken: '***',
      responseUrlHosts: ['hooks.slack.com'],
    });
    expect(JSON.stringify(shown)).not.toContain('APPSECRETVALUE');
    expect(config.slack.appToken).toBe(APP_TOKEN);
    expect(redactedConfig(parseConfig({}, {})).slack.appToken).toBeNull();
  });

  it('SECRET_LOG_PATHS keep the app token out of pino logs', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: 'info', redact: { paths: SECRET_LOG_PATHS, censor: '***' } }, sink);
    const config = parseConfig({ slack: { enabled: true, token: TOKEN, socketMode: true, appToken: APP_TOKEN } }, {});
    logger.info({ config }, 'whole config');
    logger.info(config, 'config at top level');
    logger.info({ slack: config.slack }, 'slack section');
    logger.info({ appToken: APP_TOKEN }, 'bare');
    logger.info({ options: { appToken: APP_TOKEN } }, 'one level');
    logger.info({ a: { b: { appToken: APP_TOKEN } } }, 'two levels');
    logger.info({ req: { headers: { authorization: `Bearer ${APP_TOKEN}` } } }, 'apps.connections.open request');
    const out = lines.join('');
    expect(lines).toHaveLength(7);
    expect(out).not.toContain('APPSECRETVALUE');
    expect(out).toContain('"socketMode":true');
  });
});

describe('authz', () => {
  it('defaults to no roles, no user groups and a five-minute cache', () => {
    expect(parseConfig({}, {}).authz).toEqual({ roles: {}, slackUserGroups: false, userGroupCacheMs: 300_000 });
    expect(parseConfig({ authz: null }, {}).authz.roles).toEqual({});
    expect(parseConfig({ authz: { roles: null } }, {}).authz.roles).toEqual({});
  });

  it('reads roles: emails trimmed, lower-cased and de-duplicated; role names as written; an empty role allowed', () => {
    const config = parseConfig(
      { authz: { roles: { Deployers: ['Alice@Example.COM', ' bob@example.com ', 'alice@example.com'], sre: [], oncall: null } } },
      {},
    );
    expect(config.authz.roles).toEqual({ Deployers: ['alice@example.com', 'bob@example.com'], sre: [], oncall: [] });
  });

  it('reads slackUserGroups and userGroupCacheMs (also as quoted YAML)', () => {
    expect(parseConfig({ authz: { slackUserGroups: true, userGroupCacheMs: 0 } }, {}).authz).toMatchObject({
      slackUserGroups: true,
      userGroupCacheMs: 0,
    });
    expect(parseConfig({ authz: { slackUserGroups: 'false', userGroupCacheMs: '60000' } }, {}).authz).toMatchObject({
      slackUserGroups: false,
      userGroupCacheMs: 60_000,
    });
  });

  it('returns the roles frozen', () => {
    const config = parseConfig({ authz: { roles: { sre: ['a@example.com'] } } }, {});
    expect(Object.isFrozen(config.authz.roles)).toBe(true);
    expect(Object.isFrozen(config.authz.roles.sre)).toBe(true);
  });

  it.each([
    ['authz.roles', { roles: ['alice@example.com'] }, 'expected a mapping of role name to a list of member emails, got a list'],
    ['authz.roles', { roles: 'sre' }, 'expected a mapping of role name to a list of member emails, got "sre"'],
    ['authz.roles', { roles: { '': ['a@example.com'] } }, /role names must be non-empty/],
    ['authz.roles', { roles: { '   ': ['a@example.com'] } }, /role names must be non-empty/],
    ['authz.roles.sre', { roles: { sre: 'alice@example.com' } }, 'expected a list of member emails, got "alice@example.com"'],
    ['authz.roles.sre', { roles: { sre: { alice: true } } }, 'expected a list of member emails, got a mapping'],
    ['authz.roles.sre[1]', { roles: { sre: ['a@example.com', 'bob'] } }, 'expected an email address (a string containing @), got "bob"'],
    ['authz.roles.sre[0]', { roles: { sre: [42] } }, 'expected an email address (a string containing @), got 42'],
    ['authz.roles.sre[0]', { roles: { sre: [null] } }, 'expected an email address (a string containing @), got null'],
    ['authz.roles.sre[0]', { roles: { sre: ['a b@example.com'] } }, /expected an email address/],
    ['authz.slackUserGroups', { slackUserGroups: 'yes' }, 'expected true or false, got "yes"'],
    ['authz.userGroupCacheMs', { userGroupCacheMs: -1 }, 'expected a whole number of milliseconds (0 or more), got -1'],
    ['authz.userGroupCacheMs', { userGroupCacheMs: 1.5 }, 'expected a whole number of milliseconds (0 or more), got 1.5'],
    ['authz.userGroupCacheMs', { userGroupCacheMs: '5m' }, 'expected a whole number of milliseconds (0 or more), got "5m"'],
    ['authz', 'everyone', 'expected a mapping of settings, got a string'],
  ] as const)('%s: %j', (key, authz, expected) => {
    const err = configError(() => parseConfig({ authz }, {}));
    const message = issue(err, key);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  it('reports every role problem at once, each under its own key', () => {
    const err = configError(() =>
      parseConfig({ authz: { roles: { sre: ['ok@example.com', 'nope', 7], qa: 'x@example.com', '': [] }, userGroupCacheMs: -5 } }, {}),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(
      ['authz.roles', 'authz.roles.qa', 'authz.roles.sre[1]', 'authz.roles.sre[2]', 'authz.userGroupCacheMs'].sort(),
    );
  });

  it('refuses __proto__ as a role name, from a file too, without polluting prototypes', () => {
    const p = file('authz-proto.yaml', 'authz:\n  roles:\n    __proto__: [evil@example.com]\n    sre: [a@example.com]\n');
    const err = configError(() => loadConfig({ file: p, env: {} }));
    expect(err.issues).toEqual([{ path: 'authz.roles.__proto__', message: 'not allowed as a role name' }]);
    expect(({} as Record<string, unknown>).length).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('names unknown authz keys, with a suggestion', () => {
    const err = configError(() => parseConfig({ authz: { role: {}, userGroupCache: 1, slack_user_groups: true } }, {}));
    expect(issue(err, 'authz.role')).toMatch(/did you mean "roles"/);
    expect(issue(err, 'authz.userGroupCache')).toMatch(/did you mean "userGroupCacheMs"/);
    expect(issue(err, 'authz.slack_user_groups')).toMatch(/did you mean "slackUserGroups"/);
  });

  it('reads an authz section from a YAML file', () => {
    const p = file(
      'authz.yaml',
      'authz:\n  roles:\n    release-managers:\n      - Carol@Example.com\n  slackUserGroups: true\n  userGroupCacheMs: 1000\n',
    );
    expect(loadConfig({ file: p, env: {} }).authz).toEqual({
      roles: { 'release-managers': ['carol@example.com'] },
      slackUserGroups: true,
      userGroupCacheMs: 1000,
    });
  });

  it('is printed as configured by redactedConfig (emails are not secrets), as a copy', () => {
    const config = parseConfig({ authz: { roles: { sre: ['a@example.com'] }, slackUserGroups: true } }, {});
    const shown = redactedConfig(config);
    expect(shown.authz).toEqual(config.authz);
    expect(shown.authz.roles.sre).not.toBe(config.authz.roles.sre);
  });

  it('is documented: the reference explains why usergroups:read is needed', () => {
    const row = CONFIG_REFERENCE.find((r) => r.key === 'authz.slackUserGroups');
    expect(row?.description).toMatch(/usergroups:read/);
    expect(CONFIG_REFERENCE.find((r) => r.key === 'authz.roles')?.default).toBe('{}');
  });
});
