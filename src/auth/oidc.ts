/**
 * OpenID Connect login for the web UI, with openid-client: the authorization code flow with PKCE (S256), `state`
 * and `nonce` (OpenID Connect Core 1.0 §3.1; RFC 7636), the client authenticating with `client_secret_basic`
 * (OIDC's default) or, without a secret, as a public client.
 *
 * - `GET /auth/login?redirect=<#/hash path>` → 302 to the issuer's authorization endpoint. The PKCE verifier,
 *   state, nonce and where to return go in a signed, HttpOnly cookie scoped to `/auth/callback` for 10 minutes.
 * - `GET /auth/callback` (register `<server.publicUrl>/auth/callback` as the redirect URI) → code exchanged at the
 *   token endpoint, ID token checked (issuer, audience, expiry, nonce; it comes straight from the issuer over TLS,
 *   which OIDC Core §3.1.3.7 accepts in place of its signature), userinfo read when the ID token lacks the email or
 *   the groups claim; then the session cookie (`src/auth/session.ts`) and 302 back to the UI at the saved hash.
 * - `POST /auth/logout` → the session ends (cookie cleared, id remembered as ended here); needs the CSRF token.
 *
 * The user is the email (when `email_verified` is not false), else `sub`; the groups claim (`auth.oidc.groupsClaim`)
 * becomes roles, plus what `authz.roles` gives the email. Discovery happens at the first login and is retried
 * after a failure, so the service starts while the provider is down.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import * as client from 'openid-client';
import type { Config, OidcConfig } from '../config/index.js';
import { errorBody } from '../api/errors.js';
import { MAX_COOKIE_VALUE, SESSION_COOKIE, Sessions } from './session.js';
import { LOGIN_PATH, requestSession } from './identity.js';

/** Where Log out is (`POST`, with the session's CSRF token). */
export const LOGOUT_PATH = '/auth/logout';
/** Path of the redirect URI (appended to `server.publicUrl`). */
export const CALLBACK_PATH = '/auth/callback';
/** Name of the cookie holding a login in progress. */
export const LOGIN_COOKIE = 'slackops_login';
/** How long a login may take at the provider, seconds. */
const LOGIN_TTL_S = 600;

/** A login in progress (signed into `LOGIN_COOKIE`). */
interface LoginTransaction {
  state: string;
  nonce: string;
  verifier: string;
  /** Hash path to return to, e.g. `#/applications`. */
  redirect: string;
  /** Epoch seconds. */
  exp: number;
}

/**
 * The login sessions for `auth`: null when `auth.oidc` is not configured. Logs (once) when the session secret is
 * made up at start, saying what that costs.
 */
export function createSessions(auth: Config['auth'], publicUrl: string, logger: Logger): Sessions | null {
  if (auth.oidc === null) return null;
  const sessions = new Sessions({ secret: auth.sessionSecret, ttlMs: auth.sessionTtlMs, secure: publicUrl.startsWith('https:') });
  if (sessions.ephemeralSecret) {
    logger.warn('auth.sessionSecret is not set: a random one was made for this process, so web UI logins end when it restarts and are not valid on other replicas');
  }
  return sessions;
}

/** `redirect` if it is a hash path of the UI (`#/...`, at most 1,000 characters, no control characters), else `#/`. */
export function safeRedirect(redirect: unknown): string {
  if (typeof redirect !== 'string' || !redirect.startsWith('#/') || redirect.length > 1_000 || /[\u0000-\u001f\u007f\\]/.test(redirect)) return '#/';
  return redirect;
}

/**
 * The value of `claim` in `claims`: the key as written first (Auth0's `https://example.com/groups`), else a dotted
 * path (Keycloak's `realm_access.roles`). A string gives one group; an array its strings; anything else none.
 */
export function groupsFrom(claims: Record<string, unknown>, claim: string): string[] {
  let v: unknown = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  if (v === undefined && claim.includes('.')) {
    v = claim.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' && Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined), claims);
  }
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
  return [...new Set(list.filter((g): g is string => typeof g === 'string' && g.trim() !== '' && g.length <= 256).map((g) => g.trim()))];
}

/** The user an ID token (plus userinfo) names: the email unless marked unverified, else `sub`. */
export function userFrom(claims: Record<string, unknown>): string {
  const email = claims.email;
  if (typeof email === 'string' && email.includes('@') && email.length <= 256 && claims.email_verified !== false) return email.trim();
  return String(claims.sub);
}

/** Dependencies of `oidcRoutes`. */
export interface OidcRouteDeps {
  oidc: OidcConfig;
  sessions: Sessions;
  /** `server.publicUrl`: where the browser reaches the service (redirect URI and the way back to the UI). */
  publicUrl: string;
}

/** Registers `GET /auth/login`, `GET /auth/callback` and `POST /auth/logout` (see the module comment). */
export function oidcRoutes(app: FastifyInstance, deps: OidcRouteDeps): void {
  const { oidc, sessions } = deps;
  const redirectUri = `${deps.publicUrl}${CALLBACK_PATH}`;
  const secure = deps.publicUrl.startsWith('https:');
  let discovered: Promise<client.Configuration> | null = null;
  const configuration = (): Promise<client.Configuration> => {
    discovered ??= client
      .discovery(
        new URL(oidc.issuer),
        oidc.clientId,
        oidc.clientSecret === null ? undefined : { client_secret: oidc.clientSecret },
        oidc.clientSecret === null ? client.None() : client.ClientSecretBasic(oidc.clientSecret),
        // http is accepted only for a loopback issuer (see the config's parseIssuer).
        oidc.issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
      )
      .catch((err: unknown) => {
        discovered = null;
        throw err;
      });
    return discovered;
  };
  const unreachable = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    req.log.warn({ issuer: oidc.issuer, err: errorText(err) }, 'OpenID Connect issuer unreachable');
    return reply.code(503).send(errorBody(503, `the OpenID Connect issuer ${oidc.issuer} could not be reached (${errorText(err)}); try again later`));
  };

  app.get<{ Querystring: { redirect?: unknown } }>(LOGIN_PATH, { config: { auth: 'none' } }, async (req, reply) => {
    let config: client.Configuration;
    try {
      config = await configuration();
    } catch (err) {
      return unreachable(req, reply, err);
    }
    const verifier = client.randomPKCECodeVerifier();
    const tx: LoginTransaction = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier,
      redirect: safeRedirect(req.query.redirect),
      exp: Math.floor(Date.now() / 1000) + LOGIN_TTL_S,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: oidc.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: tx.state,
      nonce: tx.nonce,
    });
    void reply.setCookie(LOGIN_COOKIE, sessions.sign(tx), { path: CALLBACK_PATH, httpOnly: true, sameSite: 'lax', secure, maxAge: LOGIN_TTL_S });
    return reply.code(302).header('cache-control', 'no-store').redirect(url.href);
  });

  app.get(CALLBACK_PATH, { config: { auth: 'none' } }, async (req, reply) => {
    const raw = req.cookies[LOGIN_COOKIE];
    const tx = raw ? sessions.unsign(raw) : null;
    void reply.clearCookie(LOGIN_COOKIE, { path: CALLBACK_PATH });
    if (!isTransaction(tx) || tx.exp * 1000 <= Date.now()) {
      return reply
        .code(400)
        .send(errorBody(400, `no login in progress in this browser (it expires after ${LOGIN_TTL_S / 60} minutes, and a newer Log in replaces it); start again at ${LOGIN_PATH}`));
    }
    let config: client.Configuration;
    try {
      config = await configuration();
    } catch (err) {
      return unreachable(req, reply, err);
    }
    const current = new URL(redirectUri);
    current.search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: tx.verifier,
        expectedState: tx.state,
        expectedNonce: tx.nonce,
        idTokenExpected: true,
      });
      claims = { ...(tokens.claims() as Record<string, unknown>) };
      if ((typeof claims.email !== 'string' || groupsFrom(claims, oidc.groupsClaim).length === 0) && tokens.access_token && config.serverMetadata().userinfo_endpoint) {
        try {
          const info = await client.fetchUserInfo(config, tokens.access_token, String(claims.sub));
          claims = { ...info, ...claims, ...(claims.email === undefined && info.email !== undefined ? { email: info.email, email_verified: info.email_verified } : {}) };
          if (groupsFrom(claims, oidc.groupsClaim).length === 0) {
            const g = groupsFrom(info as Record<string, unknown>, oidc.groupsClaim);
            if (g.length > 0) claims[oidc.groupsClaim] = g;
          }
        } catch (err) {
          req.log.warn({ err: errorText(err) }, 'OpenID Connect userinfo failed; using the ID token alone');
        }
      }
    } catch (err) {
      return refused(req, reply, err);
    }
    const user = userFrom(claims);
    const groups = groupsFrom(claims, oidc.groupsClaim);
    const session = sessions.create(user, groups);
    const value = sessions.encode(session);
    if (value.length > MAX_COOKIE_VALUE) {
      return reply
        .code(400)
        .send(errorBody(400, `${groups.length} groups in the ${oidc.groupsClaim} claim are too many to keep in a session cookie; have the provider release fewer (a group filter on the client)`));
    }
    req.log.info({ user, groups: groups.length }, 'logged in with OpenID Connect');
    void reply.setCookie(SESSION_COOKIE, value, sessions.cookieAttributes(Math.floor(sessions.ttlMs / 1000)));
    return reply.code(302).header('cache-control', 'no-store').redirect(`${deps.publicUrl}/${tx.redirect}`);
  });

  app.post(LOGOUT_PATH, async (req, reply) => {
    const session = requestSession(req);
    if (session) sessions.end(session);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { loggedOut: session !== null };
  });
}

function isTransaction(v: unknown): v is LoginTransaction {
  if (v === null || typeof v !== 'object') return false;
  const t = v as Record<string, unknown>;
  return typeof t.state === 'string' && typeof t.nonce === 'string' && typeof t.verifier === 'string' && typeof t.redirect === 'string' && Number.isSafeInteger(t.exp);
}

/** An error's code and message, cut short (openid-client's messages carry no secrets; a long one is trimmed). */
function errorText(err: unknown): string {
  const e = err as { code?: unknown; error?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const parts = [e.error, e.code, e.cause?.code, e.message, e.cause?.message].filter((p): p is string => typeof p === 'string' && p !== '');
  return [...new Set(parts)].join(': ').slice(0, 300) || 'unknown error';
}

/** The answer to a callback the provider or openid-client refused: 4xx naming why (never 5xx for bad input). */
function refused(req: FastifyRequest, reply: FastifyReply, err: unknown) {
  req.log.info({ err: errorText(err) }, 'OpenID Connect login refused');
  if (err instanceof client.AuthorizationResponseError) {
    const status = err.error === 'access_denied' ? 403 : 400;
    return reply.code(status).send(errorBody(status, `the provider refused the login: ${err.error}${err.error_description ? ` (${err.error_description.slice(0, 200)})` : ''}; start again at ${LOGIN_PATH}`));
  }
  if (err instanceof client.ResponseBodyError) {
    return reply.code(400).send(errorBody(400, `the provider refused the authorization code: ${err.error}; start again at ${LOGIN_PATH}`));
  }
  if (err instanceof client.ClientError) {
    return reply.code(400).send(errorBody(400, `the login response did not check out (${errorText(err)}); start again at ${LOGIN_PATH}`));
  }
  req.log.warn({ err: errorText(err) }, 'OpenID Connect token request failed');
  return reply.code(503).send(errorBody(503, `the OpenID Connect issuer could not be reached to finish the login (${errorText(err)}); try again at ${LOGIN_PATH}`));
}
