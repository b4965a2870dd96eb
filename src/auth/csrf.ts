/**
 * CSRF protection for requests authenticated by the session cookie (OWASP's HMAC-based synchronizer token): the
 * token is HMAC-SHA256(key derived from `auth.sessionSecret`, session id), so it needs no storage, differs per
 * session and can't be computed by another site. `GET /auth/me` hands it to the web UI, which sends it back in
 * `X-CSRF-Token` on every POST, PUT, PATCH and DELETE. A page on another site can neither read it (same-origin
 * policy) nor send a custom header without a CORS preflight this service never grants.
 *
 * Bearer-token and trusted-header requests carry no ambient credential a browser would add by itself, so they
 * need no token; open routes (Slack callback, webhook triggers) never act as the session's user.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from './session.js';

/** The request header carrying the token. */
export const CSRF_HEADER = 'X-CSRF-Token';

/** Methods that change state and so need the token (RFC 9110's unsafe methods we route). */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Makes and checks CSRF tokens under one secret. */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = deriveKey(secret, 'csrf');
  }

  /** The token of session `sid` (43 characters of base64url). */
  token(sid: string): string {
    return createHmac('sha256', this.key).update(sid).digest('base64url');
  }

  /** True when `presented` is the token of `sid` (constant-time compare). */
  check(sid: string, presented: string | undefined): boolean {
    if (presented === undefined || presented.length !== 43) return false;
    const a = Buffer.from(this.token(sid));
    const b = Buffer.from(presented);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
