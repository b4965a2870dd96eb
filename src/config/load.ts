/**
 * YAML file + environment → one validated, typed, frozen `Config`.
 *
 * Order of precedence for each setting: environment variable (see `ENV_VARS`) > file (main key or one of echo's
 * aliases) > default. Every problem is collected and reported at once in a `ConfigError`; no message ever carries
 * a secret value.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';
import { CONFIG_FILE_ENV, ENV_VARS, type EnvKey } from './reference.js';
import {
  isUnset,
  kindOf,
  parseBoolean,
  parseDatabaseUrl,
  parseHost,
  parseHttpUrl,
  parseLogLevel,
  parseAppToken,
  parseMilliseconds,
  parseName,
  parsePort,
  parseRoles,
  parseSecret,
  parseStringList,
  parseHeaderName,
  parseCidrList,
  parseHostPatterns,
  parseTokenEntries,
  type TokenEntry,
  parseSlackMode,
  parseSlackToken,
  type LogLevel,
  type SlackMode,
  type ValueParser,
} from './values.js';

/** The service's configuration. Frozen; secrets are plain strings here, so print it only via `redactedConfig`. */
export interface Config {
  server: {
    /** Listen address. Default `127.0.0.1`. */
    host: string;
    /** Listen port, 1..65535. Default 8084. */
    port: number;
    /** Base URL for links, no trailing slash. Default `http://<host>:<port>` (0.0.0.0/:: shown as localhost). */
    publicUrl: string;
  };
  database: {
    /** `sqlite:/absolute/path`, `sqlite::memory:`, `postgres://...` or `postgresql://...`. */
    url: string;
    /**
     * How long a replica holds work it claimed before another replica (or this one after a restart on
     * PostgreSQL) may take it over, in ms: queue messages are leased this long, outbox deliveries twice this long,
     * recorded Slack clicks half of it; each lease is renewed every third of its length while the work runs. Bounds {@link LEASE_MS_MIN}..{@link LEASE_MS_MAX};
     * default 60,000. Shorter means faster take-over of a dead replica's work, but more renewal writes.
     */
    leaseMs: number;
  };
  slack: {
    /**
     * `slack.enabled` as configured (default false). With `mode: 'slack'`, true talks to Slack and false means no
     * Slack at all; `slack.enabled: false` never runs the sandbox (a file saying both is refused).
     */
    enabled: boolean;
    /**
     * `slack.mode`: `slack` (Web API calls go to `baseUrl`, when `enabled`) or `sandbox` (the built-in Slack sandbox
     * takes Slack's place: no token needed, a signing secret is made up at start when none is set). Default `slack`
     * when `slack.token` or `slack.enabled` is set, else `sandbox` — so a fresh install runs the sandbox.
     */
    mode: SlackMode;
    /** Bot token (`xoxb-`, or `xoxp-`), or null when not configured. Secret. */
    token: string | null;
    botName: string;
    /** Slack app signing secret, or null when not configured. Secret. */
    signingSecret: string | null;
    /** Slack Web API base URL, no trailing slash. Default `https://slack.com`. */
    baseUrl: string;
    /**
     * Receive interactions over Socket Mode (a WebSocket opened with `appToken`) instead of the HTTP callback.
     * Default false. With `enabled` and `socketMode`, `appToken` is required and `signingSecret` is not.
     */
    socketMode: boolean;
    /** App-level token (`xapp-`, scope `connections:write`) for Socket Mode, or null when not configured. Secret. */
    appToken: string | null;
    /**
     * Hosts an interaction's `response_url` may point at (https only; exact names, `*.example.com` for any host
     * below). Default `["hooks.slack.com"]`; the origin of `baseUrl` is always allowed too (a fake Slack in tests).
     */
    responseUrlHosts: string[];
  };
  logging: {
    level: LogLevel;
  };
  /** Who holds which role, for stages that limit who may judge (`selectedStageRoles`, `requiredJudgmentRoles`). */
  authz: {
    /**
     * ROLE → member emails, lower-cased and trimmed (compare emails case-insensitively). Role names as written.
     * Default `{}`. Look roles up with `Object.hasOwn`.
     */
    roles: Record<string, string[]>;
    /**
     * Slack user groups count as roles too: a member of the group with handle `sre` holds role `sre`. Needs the
     * bot scope `usergroups:read`. Default false.
     */
    slackUserGroups: boolean;
    /** How long user-group membership read from Slack is reused, in ms (0 = ask every time). Default 300,000. */
    userGroupCacheMs: number;
  };
  /** Who is calling the REST API (see `src/auth/`). */
  auth: {
    /**
     * Require authentication on the API (every route but `/health`, the Slack callback and webhook triggers).
     * Default: false when `server.host` is a loopback address, true otherwise.
     */
    enabled: boolean;
    /** Deliberately serve a non-loopback address without authentication (default false; the start refuses otherwise). */
    allowUnauthenticated: boolean;
    /** API tokens, by SHA-256 (`Authorization: Bearer <token>`). Default `[]`. */
    tokens: TokenEntry[];
    /** Header an authenticating proxy puts the user in. Default `X-SPINNAKER-USER` (Gate's). */
    trustedHeader: string;
    /** Addresses/CIDR ranges of proxies whose `trustedHeader` is believed when auth is enabled. Default `[]`. */
    trustedProxies: string[];
    /** Holders of any of these roles are administrators. Default `[]`. */
    adminRoles: string[];
    /** OpenID Connect login for the web UI (`src/auth/oidc.ts`); null when `auth.oidc.issuer` is not set. */
    oidc: OidcConfig | null;
    /**
     * Key signing session cookies and CSRF tokens (at least 32 characters). Secret. Null: a random one is made at
     * start, so sessions end when the process restarts and are not valid on other replicas.
     */
    sessionSecret: string | null;
    /** How long a login session lasts, in ms ({@link SESSION_TTL_MS_MIN}..{@link SESSION_TTL_MS_MAX}). Default 12 h. */
    sessionTtlMs: number;
  };
  /** Where the webhook stage may connect (checked on the resolved address of every request). */
  webhook: {
    /** When non-null, only these hosts (names, `*.suffix`, IPs/CIDRs) may be called. Default null (any). */
    allowedHosts: string[] | null;
    /** Addresses never connected to. Default link-local (169.254.0.0/16 incl. the cloud metadata address, fe80::/10) and AWS's IPv6 metadata address fd00:ec2::254. */
    deniedCidrs: string[];
  };
}

export type { TokenEntry };

/** `auth.oidc`: the OpenID Connect provider the web UI logs in with (authorization code flow with PKCE). */
export interface OidcConfig {
  /** Issuer identifier (discovery at `<issuer>/.well-known/openid-configuration`); https, or http on loopback. */
  issuer: string;
  /** Client id registered at the issuer. */
  clientId: string;
  /** Client secret (sent with HTTP Basic, OIDC's default); null for a public client (PKCE only). Secret. */
  clientSecret: string | null;
  /** Scopes asked for. Default `["openid", "email", "profile"]`; `openid` is always included. */
  scopes: string[];
  /** Claim holding the user's groups (each becomes a role); a dotted path reaches nested claims. Default `groups`. */
  groupsClaim: string;
}

export type { LogLevel };

/** Options of `loadConfig`. */
export interface LoadConfigOptions {
  /** YAML file to read; when null/undefined/blank, `$SLACKOPS_CONFIG` is used, else no file (defaults + env). */
  file?: string | null;
  /** Environment to read overrides and `SLACKOPS_CONFIG` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8084,
  /** `database.url` default is `sqlite:` + this file, resolved against the current directory. */
  databaseFile: './data/slackops.db',
  botName: 'slackops',
  baseUrl: 'https://slack.com',
  logLevel: 'info' as LogLevel,
  /** `authz.userGroupCacheMs`: five minutes. */
  userGroupCacheMs: 300_000,
  responseUrlHosts: ['hooks.slack.com'],
  trustedHeader: 'X-SPINNAKER-USER',
  deniedCidrs: ['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128'],
  /** `database.leaseMs`: one minute. */
  leaseMs: 60_000,
  oidcScopes: ['openid', 'email', 'profile'],
  groupsClaim: 'groups',
  /** `auth.sessionTtlMs`: twelve hours (a working day). */
  sessionTtlMs: 12 * 3_600_000,
};

/** Shortest `auth.sessionTtlMs` (ms): one minute. */
export const SESSION_TTL_MS_MIN = 60_000;
/** Longest `auth.sessionTtlMs` (ms): 30 days. */
export const SESSION_TTL_MS_MAX = 30 * 86_400_000;
/** Shortest `auth.sessionSecret`, characters. */
export const SESSION_SECRET_MIN = 32;

const parseSessionTtl: ValueParser<number> = (raw) => {
  const r = parseMilliseconds(raw);
  if (!r.ok || r.value === undefined) return r;
  if (r.value < SESSION_TTL_MS_MIN || r.value > SESSION_TTL_MS_MAX) {
    return { ok: false, problem: `expected a whole number of milliseconds between ${SESSION_TTL_MS_MIN} and ${SESSION_TTL_MS_MAX}, got ${r.value}` };
  }
  return r;
};

const parseSessionSecret: ValueParser<string> = (raw) => {
  const r = parseSecret(raw);
  if (!r.ok || r.value === undefined) return r;
  if (r.value.length < SESSION_SECRET_MIN) return { ok: false, problem: `expected at least ${SESSION_SECRET_MIN} characters (e.g. openssl rand -base64 48)` };
  return r;
};

/** `auth.oidc.issuer`: an http(s) URL; plain http only on a loopback host (a local test provider). */
const parseIssuer: ValueParser<string> = (raw) => {
  const r = parseHttpUrl(raw);
  if (!r.ok || r.value === undefined) return r;
  const u = new URL(r.value);
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) return { ok: false, problem: `expected an https URL (http only on loopback), got ${JSON.stringify(r.value)}` };
  return r;
};

/** Smallest `database.leaseMs` (ms): below it renewals (every third of a lease) would be mostly write traffic. */
export const LEASE_MS_MIN = 2_000;
/** Largest `database.leaseMs` (ms): a dead replica's work must not wait longer than an hour. */
export const LEASE_MS_MAX = 3_600_000;

/** `database.leaseMs`: a whole number of ms within {@link LEASE_MS_MIN}..{@link LEASE_MS_MAX}. */
const parseLeaseMs: ValueParser<number> = (raw) => {
  const r = parseMilliseconds(raw);
  if (!r.ok || r.value === undefined) return r;
  if (r.value < LEASE_MS_MIN || r.value > LEASE_MS_MAX) {
    return { ok: false, problem: `expected a whole number of milliseconds between ${LEASE_MS_MIN} and ${LEASE_MS_MAX}, got ${r.value}` };
  }
  return r;
};

/** True for `localhost` and loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Keys whose values are secrets: never quoted in messages, scrubbed from every message. */
const SECRET_KEYS = new Set([
  'slack.token',
  'slack.appToken',
  'slack.signingSecret',
  'slack.signing_secret',
  'slack.app.token',
  'slack.app.signingSecret',
  'slack.app.signing_secret',
  'auth.oidc.clientSecret',
  'auth.sessionSecret',
]);

/** Problems and secrets seen while reading one configuration. */
interface Collector {
  issues: ConfigIssue[];
  /** Keys that had a value which was refused (so "required" is not reported on top). */
  invalid: Set<string>;
  /** Every secret value seen, to scrub from messages. */
  secrets: Set<string>;
}

function newCollector(): Collector {
  return { issues: [], invalid: new Set(), secrets: new Set() };
}

function report(c: Collector, key: string, message: string): void {
  c.issues.push({ path: key, message });
  c.invalid.add(key);
}

function rememberSecret(c: Collector, key: string, raw: unknown): void {
  if (typeof raw !== 'string' || raw.trim() === '') return;
  if (SECRET_KEYS.has(key)) c.secrets.add(raw.trim());
  if (key === 'database.url') {
    try {
      const password = decodeURIComponent(new URL(raw.trim()).password);
      if (password !== '') c.secrets.add(password);
    } catch {
      // not a URL: nothing to remember
    }
  }
}

/** A leaf setting: parsed by `parser`; a refused value is reported and treated as unset. */
function leaf<T>(c: Collector, key: string, parser: ValueParser<T>) {
  return z
    .unknown()
    .transform((raw): T | undefined => {
      rememberSecret(c, key, raw);
      const parsed = parser(raw);
      if (!parsed.ok) {
        report(c, key, parsed.problem);
        return undefined;
      }
      return parsed.value;
    })
    .optional();
}

/** `authz.roles`: every problem is reported under its own key (the role, or the member's index). */
function tokensLeaf(c: Collector, key: string) {
  return z
    .unknown()
    .transform((raw): TokenEntry[] | undefined => {
      const parsed = parseTokenEntries(raw, key);
      for (const p of parsed.problems) report(c, p.key, p.problem);
      return parsed.value;
    })
    .optional();
}

function rolesLeaf(c: Collector, key: string) {
  return z
    .unknown()
    .transform((raw): Record<string, string[]> | undefined => {
      const parsed = parseRoles(raw, key);
      for (const p of parsed.problems) report(c, p.key, p.problem);
      return parsed.value;
    })
    .optional();
}

/** Edit distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

const looksSecret = (key: string): boolean => /^(xox[a-z]|xapp)-/i.test(key) || key.length > 64;

function unknownKey(c: Collector, prefix: string, key: string, allowed: string[]): void {
  const secretish = looksSecret(key);
  const shownKey = secretish ? '<a key that looks like a secret>' : key;
  let message: string;
  if (prefix === 'slack.app' && key === 'verification_token') {
    message = 'unknown key (SlackOps checks Slack requests with the signing secret only; remove it)';
  } else {
    const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
    const guess = secretish
      ? undefined
      : (allowed.find((a) => norm(a) === norm(key)) ??
        allowed.find((a) => distance(a.toLowerCase(), key.toLowerCase()) <= 2));
    const suggestion = guess !== undefined ? `did you mean "${guess}"? ` : '';
    message = `unknown key (${suggestion}allowed: ${allowed.join(', ')})`;
  }
  report(c, prefix === '' ? shownKey : `${prefix}.${shownKey}`, message);
}

/** A mapping of settings: null counts as empty; other non-mappings and unknown keys are reported. */
function section<S extends z.ZodRawShape>(c: Collector, key: string, shape: S) {
  return z.preprocess((raw: unknown) => {
    if (raw === undefined || raw === null) return {};
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      report(c, key === '' ? '(root)' : key, `expected a mapping of settings, got ${kindOf(raw)}`);
      return {};
    }
    const allowed = Object.keys(shape);
    for (const k of Object.keys(raw)) if (!Object.hasOwn(shape, k)) unknownKey(c, key, k, allowed);
    return raw;
  }, z.object(shape));
}

/** The file's structure, with echo's aliases (`slack.signing_secret`, `slack.app.*`). */
function fileSchema(c: Collector, cwd: string) {
  return section(c, '', {
    server: section(c, 'server', {
      host: leaf(c, 'server.host', parseHost),
      port: leaf(c, 'server.port', parsePort),
      publicUrl: leaf(c, 'server.publicUrl', parseHttpUrl),
    }),
    database: section(c, 'database', {
      url: leaf(c, 'database.url', parseDatabaseUrl(cwd)),
      leaseMs: leaf(c, 'database.leaseMs', parseLeaseMs),
    }),
    slack: section(c, 'slack', {
      enabled: leaf(c, 'slack.enabled', parseBoolean),
      mode: leaf(c, 'slack.mode', parseSlackMode),
      token: leaf(c, 'slack.token', parseSlackToken),
      botName: leaf(c, 'slack.botName', parseName),
      signingSecret: leaf(c, 'slack.signingSecret', parseSecret),
      baseUrl: leaf(c, 'slack.baseUrl', parseHttpUrl),
      socketMode: leaf(c, 'slack.socketMode', parseBoolean),
      appToken: leaf(c, 'slack.appToken', parseAppToken),
      responseUrlHosts: leaf(c, 'slack.responseUrlHosts', parseHostPatterns),
      signing_secret: leaf(c, 'slack.signing_secret', parseSecret),
      app: section(c, 'slack.app', {
        token: leaf(c, 'slack.app.token', parseSlackToken),
        signingSecret: leaf(c, 'slack.app.signingSecret', parseSecret),
        signing_secret: leaf(c, 'slack.app.signing_secret', parseSecret),
      }),
    }),
    logging: section(c, 'logging', {
      level: leaf(c, 'logging.level', parseLogLevel),
    }),
    authz: section(c, 'authz', {
      roles: rolesLeaf(c, 'authz.roles'),
      slackUserGroups: leaf(c, 'authz.slackUserGroups', parseBoolean),
      userGroupCacheMs: leaf(c, 'authz.userGroupCacheMs', parseMilliseconds),
    }),
    auth: section(c, 'auth', {
      enabled: leaf(c, 'auth.enabled', parseBoolean),
      allowUnauthenticated: leaf(c, 'auth.allowUnauthenticated', parseBoolean),
      tokens: tokensLeaf(c, 'auth.tokens'),
      trustedHeader: leaf(c, 'auth.trustedHeader', parseHeaderName),
      trustedProxies: leaf(c, 'auth.trustedProxies', parseCidrList),
      adminRoles: leaf(c, 'auth.adminRoles', parseStringList),
      oidc: section(c, 'auth.oidc', {
        issuer: leaf(c, 'auth.oidc.issuer', parseIssuer),
        clientId: leaf(c, 'auth.oidc.clientId', parseName),
        clientSecret: leaf(c, 'auth.oidc.clientSecret', parseSecret),
        scopes: leaf(c, 'auth.oidc.scopes', parseStringList),
        groupsClaim: leaf(c, 'auth.oidc.groupsClaim', parseName),
      }),
      sessionSecret: leaf(c, 'auth.sessionSecret', parseSessionSecret),
      sessionTtlMs: leaf(c, 'auth.sessionTtlMs', parseSessionTtl),
    }),
    webhook: section(c, 'webhook', {
      allowedHosts: leaf(c, 'webhook.allowedHosts', parseHostPatterns),
      deniedCidrs: leaf(c, 'webhook.deniedCidrs', parseCidrList),
    }),
  });
}

/** The value a key has among its spellings; different values under different spellings are reported on `main`. */
function oneOf(c: Collector, main: string, spellings: Array<[key: string, value: string | undefined]>): string | undefined {
  const given = spellings.filter((s): s is [string, string] => s[1] !== undefined);
  if (given.length === 0) return undefined;
  if (new Set(given.map((g) => g[1])).size > 1) {
    report(c, main, `set to different values in ${given.map((g) => g[0]).join(' and ')}; keep one of them`);
    return undefined;
  }
  return given[0]![1];
}

const ENV_PARSERS = (cwd: string): { [K in EnvKey]: ValueParser<unknown> } => ({
  'server.host': parseHost,
  'server.port': parsePort,
  'server.publicUrl': parseHttpUrl,
  'database.url': parseDatabaseUrl(cwd),
  'slack.enabled': parseBoolean,
  'slack.mode': parseSlackMode,
  'slack.token': parseSlackToken,
  'slack.botName': parseName,
  'slack.signingSecret': parseSecret,
  'slack.baseUrl': parseHttpUrl,
  'slack.socketMode': parseBoolean,
  'slack.appToken': parseAppToken,
  'logging.level': parseLogLevel,
  'auth.enabled': parseBoolean,
});

function defaultPublicUrl(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const shownHost = bare === '0.0.0.0' || bare === '::' ? 'localhost' : bare.includes(':') ? `[${bare}]` : bare;
  return `http://${shownHost}:${port}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Replaces every known secret (and anything shaped like a Slack token) with `***`. */
function scrub(text: string, secrets: Set<string>): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= 6) out = out.split(s).join('***');
  }
  return out.replace(/\b(xox[a-z]|xapp)-[A-Za-z0-9-]+/g, '***');
}

function fail(c: Collector, file: string | null): never {
  const issues = c.issues.map((i) => ({ path: scrub(i.path, c.secrets), message: scrub(i.message, c.secrets) }));
  throw new ConfigError(issues, file);
}

function envSecrets(c: Collector, env: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(ENV_VARS) as EnvKey[]) rememberSecret(c, key, env[ENV_VARS[key]]);
}

/** `${file:/path}` or `${env:NAME}` inside a string value of the file. */
const REFERENCE = /\$\{(file|env):([^}]*)\}/g;

/**
 * Replaces `${file:/run/secrets/x}` (the file's content, one trailing newline removed) and `${env:NAME}` (the
 * environment variable) in every string value of the file's tree, so secrets need not be written in it. What was
 * read is remembered as a secret (scrubbed from every message). A file that cannot be read, or an unset variable,
 * is reported on the key (`slack.token: ${file:...}: file not found`); the content is never shown.
 */
function interpolate(raw: unknown, env: NodeJS.ProcessEnv, c: Collector, key = ''): unknown {
  if (typeof raw === 'string') {
    if (!raw.includes('${file:') && !raw.includes('${env:')) return raw;
    let failed = false;
    const out = raw.replace(REFERENCE, (whole, kind: string, ref: string) => {
      const name = ref.trim();
      if (kind === 'env') {
        const v = env[name];
        if (name === '' || v === undefined) {
          report(c, key || '(root)', `${whole}: environment variable ${name === '' ? '(no name)' : name} is not set`);
          failed = true;
          return '';
        }
        if (v.trim() !== '') c.secrets.add(v.trim());
        return v;
      }
      try {
        const text = readFileSync(path.resolve(name), 'utf8').replace(/\r?\n$/, '');
        if (text.trim() !== '') c.secrets.add(text.trim());
        return text;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
        report(c, key || '(root)', `${whole}: ${why}`);
        failed = true;
        return '';
      }
    });
    return failed ? undefined : out;
  }
  if (Array.isArray(raw)) return raw.map((v, i) => interpolate(v, env, c, `${key}[${i}]`));
  if (raw !== null && typeof raw === 'object') {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(v, env, c, key === '' ? k : `${key}.${k}`)]));
  }
  return raw;
}

/** `auth.oidc` assembled: null without an issuer; with one, `clientId` is required. */
function oidcConfig(
  c: Collector,
  o: { issuer?: string | undefined; clientId?: string | undefined; clientSecret?: string | undefined; scopes?: string[] | undefined; groupsClaim?: string | undefined },
): OidcConfig | null {
  const others = (['clientId', 'clientSecret', 'scopes', 'groupsClaim'] as const).filter((k) => o[k] !== undefined);
  if (o.issuer === undefined) {
    if (others.length > 0 && !c.invalid.has('auth.oidc.issuer')) report(c, 'auth.oidc.issuer', `required when auth.oidc.${others[0]} is set (the provider's issuer URL)`);
    return null;
  }
  if (o.clientId === undefined) {
    if (!c.invalid.has('auth.oidc.clientId')) report(c, 'auth.oidc.clientId', 'required with auth.oidc.issuer (the client id registered at the provider)');
    return null;
  }
  const scopes = o.scopes ?? DEFAULTS.oidcScopes;
  return {
    issuer: o.issuer,
    clientId: o.clientId,
    clientSecret: o.clientSecret ?? null,
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    groupsClaim: o.groupsClaim ?? DEFAULTS.groupsClaim,
  };
}

function resolve(rawFile: unknown, env: NodeJS.ProcessEnv, file: string | null, c: Collector): Config {
  const cwd = process.cwd();
  const raw = interpolate(rawFile, env, c);
  const parsed = fileSchema(c, cwd).safeParse(raw);
  // The schema reports through the collector and never fails; this guards against a zod surprise.
  if (!parsed.success) {
    for (const issue of parsed.error.issues) report(c, issue.path.join('.') || '(root)', 'invalid value');
    fail(c, file);
  }
  const f = parsed.data;

  const values: { [K in EnvKey]?: unknown } = {
    'server.host': f.server.host,
    'server.port': f.server.port,
    'server.publicUrl': f.server.publicUrl,
    'database.url': f.database.url,
    'slack.enabled': f.slack.enabled,
    'slack.mode': f.slack.mode,
    'slack.token': oneOf(c, 'slack.token', [
      ['slack.token', f.slack.token],
      ['slack.app.token', f.slack.app.token],
    ]),
    'slack.botName': f.slack.botName,
    'slack.signingSecret': oneOf(c, 'slack.signingSecret', [
      ['slack.signingSecret', f.slack.signingSecret],
      ['slack.signing_secret', f.slack.signing_secret],
      ['slack.app.signingSecret', f.slack.app.signingSecret],
      ['slack.app.signing_secret', f.slack.app.signing_secret],
    ]),
    'slack.baseUrl': f.slack.baseUrl,
    'slack.socketMode': f.slack.socketMode,
    'slack.appToken': f.slack.appToken,
    'logging.level': f.logging.level,
    'auth.enabled': f.auth.enabled,
  };

  const parsers = ENV_PARSERS(cwd);
  for (const key of Object.keys(ENV_VARS) as EnvKey[]) {
    const name = ENV_VARS[key];
    const rawEnv = env[name];
    if (isUnset(rawEnv)) continue;
    const result = parsers[key](rawEnv);
    if (!result.ok) report(c, key, `${result.problem} (from ${name})`);
    else values[key] = result.value;
  }

  const host = (values['server.host'] as string | undefined) ?? DEFAULTS.host;
  const port = (values['server.port'] as number | undefined) ?? DEFAULTS.port;
  const enabledSetting = values['slack.enabled'] as boolean | undefined;
  const tokenSetting = (values['slack.token'] as string | undefined) ?? null;
  // Setting slack.enabled (either way) or a token without a mode means real Slack, as before slack.mode existed:
  // enabled: true still asks for the token, enabled: false still means no Slack at all.
  const modeSetting = values['slack.mode'] as SlackMode | undefined;
  const mode: SlackMode = modeSetting ?? (tokenSetting !== null || enabledSetting !== undefined ? 'slack' : 'sandbox');
  if (modeSetting === 'sandbox' && enabledSetting === false) {
    report(c, 'slack.mode', 'sandbox contradicts slack.enabled: false (which means no Slack at all, sandbox included); remove one of them');
  }
  const config: Config = {
    server: {
      host,
      port,
      publicUrl: (values['server.publicUrl'] as string | undefined) ?? defaultPublicUrl(host, port),
    },
    database: {
      url: (values['database.url'] as string | undefined) ?? `sqlite:${path.resolve(cwd, DEFAULTS.databaseFile)}`,
      leaseMs: f.database.leaseMs ?? DEFAULTS.leaseMs,
    },
    slack: {
      enabled: enabledSetting ?? false,
      mode,
      token: (values['slack.token'] as string | undefined) ?? null,
      botName: (values['slack.botName'] as string | undefined) ?? DEFAULTS.botName,
      signingSecret: (values['slack.signingSecret'] as string | undefined) ?? null,
      baseUrl: (values['slack.baseUrl'] as string | undefined) ?? DEFAULTS.baseUrl,
      socketMode: (values['slack.socketMode'] as boolean | undefined) ?? false,
      appToken: (values['slack.appToken'] as string | undefined) ?? null,
      responseUrlHosts: f.slack.responseUrlHosts ?? DEFAULTS.responseUrlHosts,
    },
    logging: { level: (values['logging.level'] as LogLevel | undefined) ?? DEFAULTS.logLevel },
    authz: {
      roles: f.authz.roles ?? {},
      slackUserGroups: f.authz.slackUserGroups ?? false,
      userGroupCacheMs: f.authz.userGroupCacheMs ?? DEFAULTS.userGroupCacheMs,
    },
    auth: {
      enabled: (values['auth.enabled'] as boolean | undefined) ?? !isLoopbackHost(host),
      allowUnauthenticated: f.auth.allowUnauthenticated ?? false,
      tokens: f.auth.tokens ?? [],
      trustedHeader: f.auth.trustedHeader ?? DEFAULTS.trustedHeader,
      trustedProxies: f.auth.trustedProxies ?? [],
      adminRoles: f.auth.adminRoles ?? [],
      oidc: oidcConfig(c, f.auth.oidc),
      sessionSecret: f.auth.sessionSecret ?? null,
      sessionTtlMs: f.auth.sessionTtlMs ?? DEFAULTS.sessionTtlMs,
    },
    webhook: {
      allowedHosts: f.webhook.allowedHosts ?? null,
      deniedCidrs: f.webhook.deniedCidrs ?? DEFAULTS.deniedCidrs,
    },
  };

  if (config.slack.enabled && config.slack.mode === 'slack') {
    if (config.slack.token === null && !c.invalid.has('slack.token')) {
      report(c, 'slack.token', `required when slack.enabled is true (set it in the file or ${ENV_VARS['slack.token']})`);
    }
    // Which of the two is needed depends on how interactions arrive; when slack.socketMode itself was refused,
    // that is unknown and only the refusal is reported.
    if (!c.invalid.has('slack.socketMode')) {
      if (config.slack.socketMode) {
        // Socket Mode: requests arrive over a WebSocket this service opened with the app-level token, so there is
        // no signed HTTP request to check and the signing secret is not needed.
        if (config.slack.appToken === null && !c.invalid.has('slack.appToken')) {
          report(
            c,
            'slack.appToken',
            `required when slack.enabled and slack.socketMode are true (set it in the file or ${ENV_VARS['slack.appToken']})`,
          );
        }
      } else if (config.slack.signingSecret === null && !c.invalid.has('slack.signingSecret')) {
        report(
          c,
          'slack.signingSecret',
          `required when slack.enabled is true (set it in the file or ${ENV_VARS['slack.signingSecret']})`,
        );
      }
    }
  }

  if (c.issues.length > 0) fail(c, file);
  return deepFreeze(config);
}

/**
 * Validates an already-parsed configuration object (the YAML's content) and applies environment overrides and
 * defaults.
 *
 * @param raw the file's content: a mapping `{ server?, database?, slack?, logging?, authz? }`; null/undefined = empty.
 * @param env environment for overrides (`SLACKOPS_SERVER_PORT`, `SLACKOPS_SLACK_TOKEN`, ... see `ENV_VARS`);
 *   default `process.env`.
 * @returns the frozen Config.
 * @throws ConfigError listing every problem: unknown keys (named, with a "did you mean"), wrong types or values,
 *   conflicting alias/main keys, `slack.enabled: true` without token, or without signing secret (HTTP callback)
 *   or app-level token (`slack.socketMode: true`); `authz.roles` problems are named per role and member
 *   (`authz.roles.sre[1]`). Messages never contain secret values.
 *
 * Aliases follow Spinnaker echo's keys (`slack.signing_secret`, `slack.app.token`, `slack.app.signingSecret`,
 * `slack.app.signing_secret`).
 */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const c = newCollector();
  envSecrets(c, env);
  return resolve(raw, env, null, c);
}

/**
 * Reads the configuration: the YAML file named by `opts.file`, else by `$SLACKOPS_CONFIG`, else none (defaults and
 * environment only); then as `parseConfig`. A relative file path resolves against the current directory.
 *
 * @throws ConfigError when the file is missing or unreadable (issue path = the file's absolute path), when it is
 *   not valid YAML (issue path `<file>:<line>:<column>`, message with the line and column), and for every problem
 *   `parseConfig` reports.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const c = newCollector();
  envSecrets(c, env);

  let file: string | undefined;
  let from = '';
  if (!isUnset(opts.file)) file = (opts.file as string).trim();
  else if (!isUnset(env[CONFIG_FILE_ENV])) {
    file = (env[CONFIG_FILE_ENV] as string).trim();
    from = ` (from ${CONFIG_FILE_ENV})`;
  }
  if (file === undefined) return resolve({}, env, null, c);

  const abs = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'config file not found'
        : code === 'EISDIR'
          ? 'is a directory, expected a YAML file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'config file is not readable (permission denied)'
            : `config file could not be read (${code ?? String(err)})`;
    report(c, abs, `${problem}${from}`);
    fail(c, abs);
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      const text = e.code === 'MULTIPLE_DOCS' ? 'the file holds more than one YAML document (---); keep one' : e.message;
      report(c, `${abs}:${line}:${col}`, `YAML syntax error at line ${line}, column ${col}: ${text}`);
    }
    fail(c, abs);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    report(c, abs, `YAML could not be read: ${(err as Error).message}`);
    fail(c, abs);
  }
  return resolve(raw, env, abs, c);
}
