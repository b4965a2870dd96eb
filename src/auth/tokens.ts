/**
 * API tokens (`auth.tokens`): random bearer tokens whose SHA-256 is what the configuration holds. A token is
 * `slo_` + 43 characters of base64url (32 random bytes, 256 bits), so a leaked config file gives nothing to
 * replay, and the prefix lets secret scanners recognise one.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenEntry } from '../config/index.js';

/** The prefix of every token this service issues. */
export const TOKEN_PREFIX = 'slo_';

/** A new random token (`slo_` + 32 random bytes, base64url). Print it once; store only `sha256Hex(token)`. */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Lower-case hex SHA-256 of the token's UTF-8 bytes: what `auth.tokens[].tokenSha256` holds. */
export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The configured tokens, looked up by presented token. */
export class TokenTable {
  private readonly entries: Array<{ entry: TokenEntry; hash: Buffer }>;

  constructor(entries: readonly TokenEntry[]) {
    this.entries = entries.map((entry) => ({ entry, hash: Buffer.from(entry.tokenSha256, 'hex') }));
  }

  /**
   * The entry whose hash matches `token`, or null. Compares the digest against every entry in constant time
   * (no early exit), so timing says nothing about which entry, if any, came close.
   */
  find(token: string): TokenEntry | null {
    if (token.length === 0 || token.length > 512) return null;
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: TokenEntry | null = null;
    for (const { entry, hash } of this.entries) if (timingSafeEqual(digest, hash) && found === null) found = entry;
    return found;
  }

  get size(): number {
    return this.entries.length;
  }
}

/**
 * The YAML entry to paste under `auth.tokens` for a token: name, hash, user and roles (never the token).
 * @param e.roles role names; an empty list is written `[]`.
 */
export function tokenConfigEntry(e: { name: string; tokenSha256: string; user: string; roles: string[] }): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    `  - name: ${q(e.name)}`,
    `    tokenSha256: ${e.tokenSha256}`,
    `    user: ${q(e.user)}`,
    `    roles: [${e.roles.map(q).join(', ')}]`,
  ].join('\n');
}
