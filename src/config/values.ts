/**
 * Parsers for single configuration values. Each takes what YAML or the environment gave (`unknown`) and returns
 * the typed value, `undefined` for "not set" (absent, null, or an empty/blank string), or a problem in words.
 *
 * Problems of parsers marked "secret" never quote the value; the others quote it (truncated, with any URL
 * password masked) so the operator sees what was read.
 */
import path from 'node:path';

export type Parsed<T> = { ok: true; value: T | undefined } | { ok: false; problem: string };
export type ValueParser<T> = (raw: unknown) => Parsed<T>;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ok = <T>(value: T | undefined): Parsed<T> => ({ ok: true, value });
const fail = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

/** True for what counts as "not set": undefined, null, or a string that is empty after trimming. */
export function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/** Replaces the password of `scheme://user:password@host` forms with `***`. */
export function maskUrlPassword(text: string): string {
  return text.replace(/(\/\/[^/?#@\s:]*:)[^/?#@\s]*@/g, '$1***@');
}

/** What kind of value this is, in words (for messages about secrets, where the value itself must not appear). */
export function kindOf(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  switch (typeof raw) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'a mapping';
    default:
      return `a ${typeof raw}`;
  }
}

/** The value as shown in a problem: strings JSON-quoted and cut at 60 characters, URL passwords masked. */
export function shown(raw: unknown): string {
  if (typeof raw === 'string') {
    const masked = maskUrlPassword(raw);
    return JSON.stringify(masked.length > 60 ? `${masked.slice(0, 57)}...` : masked);
  }
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return kindOf(raw);
}

/** A host name or IP address to listen on; any non-blank string without whitespace or slashes. */
export const parseHost: ValueParser<string> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  if (typeof raw !== 'string' || /[\s/]/.test(raw.trim())) {
    return fail(`expected a host name or IP address, got ${shown(raw)}`);
  }
  return ok(raw.trim());
};

/**
 * A TCP port: an integer 1..65535, given as a number or a string of digits (environment, quoted YAML). 0 is
 * accepted too and means "any free port" (what tests use); the message names the usual range only.
 */
export const parsePort: ValueParser<number> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  let n: number = Number.NaN;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\d{1,5}$/.test(raw.trim())) n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    return fail(`expected an integer between 1 and 65535, got ${shown(raw)}`);
  }
  return ok(n);
};

/** true/false, also given as the strings "true"/"false" (any case) from the environment or quoted YAML. */
export const parseBoolean: ValueParser<boolean> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  if (typeof raw === 'boolean') return ok(raw);
  if (typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    if (s === 'true') return ok(true);
    if (s === 'false') return ok(false);
  }
  return fail(`expected true or false, got ${shown(raw)}`);
};

/** A non-blank single-line name (e.g. the bot's display name). */
export const parseName: ValueParser<string> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  if (typeof raw !== 'string' || /[\r\n]/.test(raw)) return fail(`expected a single-line name, got ${shown(raw)}`);
  return ok(raw.trim());
};

/**
 * An absolute http(s) URL without query or fragment; trailing slashes are removed
 * (`https://slack.com/` → `https://slack.com`), the rest is kept as written.
 */
export const parseHttpUrl: ValueParser<string> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  const problem = `expected an http(s) URL without query or fragment, e.g. "https://ci.example.com", got ${shown(raw)}`;
  if (typeof raw !== 'string') return fail(problem);
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(problem);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.search !== '' || url.hash !== '') {
    return fail(problem);
  }
  if (/\s/.test(text)) return fail(problem);
  return ok(text.replace(/\/+$/, ''));
};

const DATABASE_FORMS = 'sqlite:PATH, sqlite::memory:, postgres://... or postgresql://...';

/**
 * `database.url`: `sqlite::memory:`; `sqlite:PATH` with PATH resolved against the process's current directory
 * (`sqlite:./data/x.db` → `sqlite:/srv/app/data/x.db`); or a `postgres://` / `postgresql://` URL, kept as written.
 * Problems never quote the value (a PostgreSQL URL may carry a password); they name the scheme that was seen.
 */
export function parseDatabaseUrl(cwd: string = process.cwd()): ValueParser<string> {
  return (raw) => {
    if (isUnset(raw)) return ok(undefined);
    if (typeof raw !== 'string') return fail(`expected one of ${DATABASE_FORMS}, got ${kindOf(raw)}`);
    const text = raw.trim();
    if (text === 'sqlite::memory:') return ok(text);
    if (text.startsWith('sqlite:')) {
      const file = text.slice('sqlite:'.length);
      if (file === '') return fail(`sqlite: needs a file path, e.g. sqlite:./data/slackops.db (or sqlite::memory:)`);
      if (file.startsWith('//')) {
        return fail(`write sqlite:/absolute/path.db or sqlite:relative/path.db, not sqlite://... (accepted: ${DATABASE_FORMS})`);
      }
      return ok(`sqlite:${path.resolve(cwd, file)}`);
    }
    if (/^postgres(ql)?:\/\//i.test(text)) {
      try {
        new URL(text);
      } catch {
        return fail(`not a valid PostgreSQL URL (expected postgres://user:password@host:5432/database)`);
      }
      return ok(text);
    }
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1];
    const seen = scheme !== undefined ? `a "${scheme.toLowerCase()}:" URL` : 'a value without a known scheme';
    return fail(`expected one of ${DATABASE_FORMS}, got ${seen}`);
  };
}

/** One of `LOG_LEVELS` (pino's level names), any case. */
export const parseLogLevel: ValueParser<LogLevel> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  const s = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  const level = LOG_LEVELS.find((l) => l === s);
  if (level === undefined) return fail(`expected one of ${LOG_LEVELS.join(', ')}, got ${shown(raw)}`);
  return ok(level);
};

/** Where Slack Web API calls go: `slack` (Slack itself, or slack.baseUrl) or `sandbox` (the built-in emulation). */
export const SLACK_MODES = ['slack', 'sandbox'] as const;
export type SlackMode = (typeof SLACK_MODES)[number];

/** `slack.mode`: one of {@link SLACK_MODES}, case-insensitive. */
export const parseSlackMode: ValueParser<SlackMode> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  const s = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  const mode = SLACK_MODES.find((m) => m === s);
  if (mode === undefined) return fail(`expected one of ${SLACK_MODES.join(', ')}, got ${shown(raw)}`);
  return ok(mode);
};

/**
 * A secret string (signing secret). Secret: problems never quote the value. Numbers are refused rather than
 * converted, because YAML may already have changed them (`1e5` → 100000); quote the value in YAML.
 */
export const parseSecret: ValueParser<string> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  if (typeof raw !== 'string') return fail(`expected a string, got ${kindOf(raw)} (quote the value in YAML)`);
  return ok(raw.trim());
};

/** A Slack bot token (`xoxb-`; user tokens `xoxp-` are accepted too). Secret: problems never quote the value. */
export const parseSlackToken: ValueParser<string> = (raw) => {
  const parsed = parseSecret(raw);
  if (!parsed.ok || parsed.value === undefined) return parsed;
  if (!parsed.value.startsWith('xoxb-') && !parsed.value.startsWith('xoxp-')) {
    const hint = parsed.value.startsWith('xapp-') ? '; xapp- is an app-level token, not a bot token (it goes in slack.appToken)' : '';
    return fail(`expected a bot token (xoxb-...)${hint}`);
  }
  return parsed;
};

/**
 * A Slack app-level token (`xapp-`), the one Socket Mode opens its connections with (Slack: Basic Information →
 * App-Level Tokens, scope `connections:write`). Secret: problems never quote the value.
 */
export const parseAppToken: ValueParser<string> = (raw) => {
  const parsed = parseSecret(raw);
  if (!parsed.ok || parsed.value === undefined) return parsed;
  if (!parsed.value.startsWith('xapp-')) {
    const hint = /^xox[a-z]-/.test(parsed.value) ? '; xox...- tokens are bot or user tokens (the bot token goes in slack.token)' : '';
    return fail(`expected an app-level token (xapp-...)${hint}`);
  }
  return parsed;
};

/**
 * A duration in whole milliseconds, 0 or more, given as a number or a string of digits (quoted YAML). The
 * problem quotes the value.
 */
export const parseMilliseconds: ValueParser<number> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  let n: number = Number.NaN;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && /^\d{1,15}$/.test(raw.trim())) n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < 0) return fail(`expected a whole number of milliseconds (0 or more), got ${shown(raw)}`);
  return ok(n);
};

/** One problem found in `authz.roles`, at `key` (`authz.roles`, `authz.roles.<role>` or `authz.roles.<role>[i]`). */
export interface RolesProblem {
  key: string;
  problem: string;
}

/**
 * `authz.roles`: a mapping ROLE → list of member emails.
 *
 * - Role names: non-blank strings, kept as written (the judgment rules compare roles case-insensitively);
 *   `__proto__` is refused.
 * - Members: strings containing `@`, trimmed and lower-cased (emails are compared case-insensitively);
 *   duplicates within a role are dropped. A role with no members (`[]` or null) is allowed: its members may come
 *   from a Slack user group of the same handle (`authz.slackUserGroups`).
 *
 * Unset (absent/null) gives `undefined`. Emails are not secrets, so problems quote the offending value.
 * @param key the dotted key used in problems, default `authz.roles`.
 * @returns the parsed mapping (undefined when unset or when there are problems) and every problem found.
 */
export function parseRoles(raw: unknown, key = 'authz.roles'): { value: Record<string, string[]> | undefined; problems: RolesProblem[] } {
  if (raw === undefined || raw === null) return { value: undefined, problems: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      value: undefined,
      problems: [{ key, problem: `expected a mapping of role name to a list of member emails, got ${shown(raw)}` }],
    };
  }
  const problems: RolesProblem[] = [];
  const roles: Record<string, string[]> = {};
  for (const [role, members] of Object.entries(raw as Record<string, unknown>)) {
    if (role.trim() === '') {
      problems.push({ key, problem: 'a role name is empty; role names must be non-empty' });
      continue;
    }
    const roleKey = `${key}.${role}`;
    if (role === '__proto__') {
      problems.push({ key: roleKey, problem: 'not allowed as a role name' });
      continue;
    }
    if (members === null || members === undefined) {
      roles[role] = [];
      continue;
    }
    if (!Array.isArray(members)) {
      problems.push({ key: roleKey, problem: `expected a list of member emails, got ${shown(members)}` });
      continue;
    }
    const emails: string[] = [];
    members.forEach((m: unknown, i) => {
      if (typeof m !== 'string' || !m.includes('@') || /\s/.test(m.trim())) {
        problems.push({ key: `${roleKey}[${i}]`, problem: `expected an email address (a string containing @), got ${shown(m)}` });
        return;
      }
      const email = m.trim().toLowerCase();
      if (!emails.includes(email)) emails.push(email);
    });
    roles[role] = emails;
  }
  return { value: problems.length === 0 ? roles : undefined, problems };
}

/**
 * A list of non-blank single-line strings (YAML list; from the environment a comma-separated string). Duplicates
 * are dropped, order kept. Unset gives `undefined`; an empty list is `[]`.
 */
export const parseStringList: ValueParser<string[]> = (raw) => {
  if (raw === undefined || raw === null) return ok(undefined);
  const items = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(items)) return fail(`expected a list of strings, got ${shown(raw)}`);
  const out: string[] = [];
  for (const [i, item] of items.entries()) {
    if (typeof item !== 'string' || item.trim() === '' || /[\r\n]/.test(item)) {
      return fail(`expected a list of non-blank strings; item ${i} is ${shown(item)}`);
    }
    if (!out.includes(item.trim())) out.push(item.trim());
  }
  return ok(out);
};

/** An HTTP header name (RFC 9110 token characters), e.g. `X-SPINNAKER-USER`. */
export const parseHeaderName: ValueParser<string> = (raw) => {
  if (isUnset(raw)) return ok(undefined);
  if (typeof raw !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/.test(raw.trim())) {
    return fail(`expected an HTTP header name such as X-SPINNAKER-USER, got ${shown(raw)}`);
  }
  return ok(raw.trim());
};

/**
 * A list of IP addresses and CIDR ranges (`10.0.0.0/8`, `192.0.2.7`, `fe80::/10`); a bare address is its own
 * /32 or /128. Kept as written (trimmed); matching is done by `src/auth/cidr.ts`. The problem names the first
 * entry that is neither.
 */
export const parseCidrList: ValueParser<string[]> = (raw) => {
  const list = parseStringList(raw);
  if (!list.ok || list.value === undefined) return list;
  for (const [i, entry] of list.value.entries()) {
    if (!isCidrOrAddress(entry)) return fail(`expected IP addresses or CIDR ranges such as 10.0.0.0/8; item ${i} is ${shown(entry)}`);
  }
  return list;
};

/** True for `a.b.c.d`, an IPv6 address, or either with a `/prefix` in range. */
export function isCidrOrAddress(text: string): boolean {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!m) return false;
  const addr = m[1]!;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  let bits: number;
  if (v4) {
    if (v4.slice(1).some((o) => Number(o) > 255)) return false;
    bits = 32;
  } else if (addr.includes(':') && /^[0-9a-fA-F:.]+$/.test(addr)) {
    bits = 128;
  } else return false;
  return m[2] === undefined || Number(m[2]) <= bits;
}

/**
 * Host names for an allow-list: `example.com` (that host only) or `*.example.com` (any host below it, not
 * example.com itself), lower-cased; IP addresses and CIDR ranges are accepted too (matched against the address
 * the name resolves to).
 */
export const parseHostPatterns: ValueParser<string[]> = (raw) => {
  const list = parseStringList(raw);
  if (!list.ok || list.value === undefined) return list;
  const out: string[] = [];
  for (const [i, entry] of list.value.entries()) {
    const e = entry.toLowerCase();
    if (!isCidrOrAddress(e) && !/^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/.test(e)) {
      return fail(`expected host names (example.com, *.example.com) or IP/CIDR ranges; item ${i} is ${shown(entry)}`);
    }
    out.push(e.replace(/\.$/, ''));
  }
  return ok(out);
};

/** One API token entry of `auth.tokens`. The token itself is never stored: only its SHA-256. */
export interface TokenEntry {
  /** Unique name, for logs and revocation (e.g. `ci`, `alice-laptop`). */
  name: string;
  /** SHA-256 of the token, 64 lower-case hex digits. */
  tokenSha256: string;
  /** The identity the token acts as (an email, so `authz.roles` apply; a service name works too). */
  user: string;
  /** Roles the token holds on top of what `authz.roles` gives its user. */
  roles: string[];
}

/**
 * `auth.tokens`: a list of `{name, tokenSha256, user, roles?}`. Problems are reported per entry and field
 * (`auth.tokens[1].tokenSha256`); a value that is not 64 hex digits is never quoted (it may be a pasted token).
 */
export function parseTokenEntries(raw: unknown, key = 'auth.tokens'): { value: TokenEntry[] | undefined; problems: RolesProblem[] } {
  if (raw === undefined || raw === null) return { value: undefined, problems: [] };
  if (!Array.isArray(raw)) return { value: undefined, problems: [{ key, problem: `expected a list of {name, tokenSha256, user, roles}, got ${kindOf(raw)}` }] };
  const problems: RolesProblem[] = [];
  const out: TokenEntry[] = [];
  const allowed = ['name', 'tokenSha256', 'user', 'roles'];
  raw.forEach((item: unknown, i) => {
    const at = `${key}[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push({ key: at, problem: `expected a mapping {name, tokenSha256, user, roles}, got ${kindOf(item)}` });
      return;
    }
    const e = item as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (allowed.includes(k)) continue;
      const hint = k === 'token' ? ' (the file holds the SHA-256 of the token in tokenSha256, never the token; slackops token create prints it)' : '';
      problems.push({ key: `${at}.${looksLikeToken(k) ? '<a key that looks like a secret>' : k}`, problem: `unknown key${hint} (allowed: ${allowed.join(', ')})` });
    }
    const name = parseName(e.name);
    if (!name.ok || name.value === undefined) problems.push({ key: `${at}.name`, problem: 'required: a single-line name for the token' });
    else if (out.some((o) => o.name === name.value)) problems.push({ key: `${at}.name`, problem: `another token is already named ${shown(name.value)}` });
    const hash = typeof e.tokenSha256 === 'string' ? e.tokenSha256.trim().toLowerCase() : undefined;
    if (hash === undefined || !/^[0-9a-f]{64}$/.test(hash)) {
      problems.push({
        key: `${at}.tokenSha256`,
        problem: `expected the token's SHA-256 as 64 hex digits (slackops token create prints the entry), got ${hash === undefined ? kindOf(e.tokenSha256) : 'something else'}`,
      });
    } else if (out.some((o) => o.tokenSha256 === hash)) problems.push({ key: `${at}.tokenSha256`, problem: 'the same token hash is listed twice' });
    const user = parseName(e.user);
    if (!user.ok || user.value === undefined || user.value.length > 256) problems.push({ key: `${at}.user`, problem: 'required: the user (email) the token acts as' });
    const roles = parseStringList(e.roles);
    if (!roles.ok) problems.push({ key: `${at}.roles`, problem: roles.problem });
    if (problems.length === 0) {
      out.push({ name: (name as { value: string }).value, tokenSha256: hash!, user: (user as { value: string }).value, roles: (roles.ok && roles.value) || [] });
    }
  });
  return { value: problems.length === 0 ? out : undefined, problems };
}

function looksLikeToken(key: string): boolean {
  return key.length > 40 || /^slo_/.test(key);
}
