/**
 * Login sessions of the web UI, kept in the browser: a cookie holding who logged in (email and groups from the
 * OpenID Connect provider) and until when, signed with HMAC-SHA256 (@fastify/cookie's signer) under a key derived
 * from `auth.sessionSecret`. Nothing is stored server-side, so any replica with the same secret accepts the
 * cookie; without a configured secret one is made up at start (sessions then end at restart and are not valid on
 * other replicas).
 *
 * The cookie is `HttpOnly` (scripts can't read it), `SameSite=Lax` (not sent on cross-site POSTs, sent on the
 * top-level GET back from the provider), `Secure` when `server.publicUrl` is https, `Path=/`, and expires with the
 * session (`auth.sessionTtlMs`, default 12 h). The expiry inside the signed value is what counts; the cookie's own
 * `Max-Age` only tidies the browser.
 *
 * Log out clears the cookie and remembers the session id as ended in this process until it would have expired
 * (a copy of the cookie replayed to this replica is refused). Another replica, or this one after a restart, does
 * not know about it: ending every session at once means changing `auth.sessionSecret`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'slackops_session';

/** What a session cookie says (signed; readable by nobody but the browser's HTTP layer, being HttpOnly). */
export interface SessionData {
  /** Random session id (128 bits, base64url); the CSRF token is derived from it. */
  sid: string;
  /** The user: the ID token's email, else its `sub`. */
  user: string;
  /** The provider's groups for the user at login (`auth.oidc.groupsClaim`), used as roles. */
  groups: string[];
  /** Issued at, epoch **seconds**. */
  iat: number;
  /** Expires at, epoch **seconds**. */
  exp: number;
}

/** Why a presented session cookie was not accepted. */
export type SessionProblem = 'invalid' | 'expired' | 'ended';

/** Largest cookie value we set (browsers keep about 4,096 bytes per cookie, name and attributes included). */
export const MAX_COOKIE_VALUE = 3_800;

/** Cookie attributes for `reply.setCookie` (@fastify/cookie's `CookieSerializeOptions` subset we use). */
export interface CookieAttributes {
  path: string;
  httpOnly: true;
  sameSite: 'lax';
  secure: boolean;
  maxAge?: number;
}

/** Derives a purpose-bound key from the configured secret, so the cookie key and the CSRF key differ. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`slackops:${purpose}`).digest();
}

/** Signs, checks and ends sessions. One per service instance. */
export class Sessions {
  private readonly signer: ReturnType<typeof fastifyCookie.signerFactory>;
  /** Session ids ended by Log out in this process → their expiry (epoch s). */
  private readonly ended = new Map<string, number>();
  /** True when the secret was made up at start (not `auth.sessionSecret`). */
  readonly ephemeralSecret: boolean;
  /** The key everything else derives from (never logged). */
  readonly secret: string;

  /**
   * @param opts.secret `auth.sessionSecret`, or null to make one up (random 32 bytes).
   * @param opts.ttlMs session length, ms.
   * @param opts.secure set `Secure` on cookies (public URL is https).
   */
  constructor(private readonly opts: { secret: string | null; ttlMs: number; secure: boolean }) {
    this.ephemeralSecret = opts.secret === null;
    this.secret = opts.secret ?? randomBytes(32).toString('base64url');
    this.signer = fastifyCookie.signerFactory(deriveKey(this.secret, 'session-cookie'));
  }

  /** Session length, ms. */
  get ttlMs(): number {
    return this.opts.ttlMs;
  }

  /** A new session for `user` with `groups`, starting now (`nowMs`, epoch ms). */
  create(user: string, groups: string[], nowMs = Date.now()): SessionData {
    const iat = Math.floor(nowMs / 1000);
    return { sid: randomBytes(16).toString('base64url'), user, groups, iat, exp: iat + Math.floor(this.opts.ttlMs / 1000) };
  }

  /** The signed cookie value for `s` (base64url JSON, `.`, signature). */
  encode(s: SessionData): string {
    return this.sign(s);
  }

  /** Signs any JSON value (also used for the short-lived login transaction cookie). */
  sign(value: unknown): string {
    return this.signer.sign(Buffer.from(JSON.stringify(value), 'utf8').toString('base64url'));
  }

  /** The JSON value of a cookie made by `sign`, or null when the signature does not match or it is not JSON. */
  unsign(raw: string): unknown {
    if (raw.length === 0 || raw.length > 8_192) return null;
    const r = this.signer.unsign(raw);
    if (!r.valid || r.value === null) return null;
    try {
      return JSON.parse(Buffer.from(r.value, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
  }

  /** The session a cookie value holds, or why it is refused (never throws). */
  decode(raw: string, nowMs = Date.now()): { session: SessionData } | { problem: SessionProblem } {
    const v = this.unsign(raw);
    if (!isSessionData(v)) return { problem: 'invalid' };
    if (v.exp * 1000 <= nowMs) return { problem: 'expired' };
    if (this.ended.has(v.sid)) return { problem: 'ended' };
    return { session: v };
  }

  /** Ends a session in this process (Log out): its cookie is refused here until it would have expired. */
  end(s: SessionData, nowMs = Date.now()): void {
    const now = Math.floor(nowMs / 1000);
    for (const [sid, exp] of this.ended) if (exp <= now) this.ended.delete(sid);
    this.ended.set(s.sid, s.exp);
  }

  /** Attributes of the session cookie; `maxAge` in **seconds** (what @fastify/cookie expects). */
  cookieAttributes(maxAgeSeconds?: number): CookieAttributes {
    return { path: '/', httpOnly: true, sameSite: 'lax', secure: this.opts.secure, ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) };
  }
}

function isSessionData(v: unknown): v is SessionData {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.sid === 'string' &&
    typeof s.user === 'string' &&
    s.user !== '' &&
    Array.isArray(s.groups) &&
    s.groups.every((g) => typeof g === 'string') &&
    Number.isSafeInteger(s.iat) &&
    Number.isSafeInteger(s.exp)
  );
}
