/**
 * Who is calling: one `Identity` per request, worked out once in an `onRequest` hook (before the body is read)
 * and read by the routes as `req.identity` wherever Gate's `X-SPINNAKER-USER` used to be read directly.
 *
 * Ways in, in order:
 * 1. `Authorization: Bearer <token>` matching an `auth.tokens` entry (by SHA-256) → that entry's user and roles.
 *    A Bearer token that matches nothing is a 401 (`error="invalid_token"`), auth enabled or not.
 * 2. The web UI's session cookie (`src/auth/session.ts`, made by the OpenID Connect login in `src/auth/oidc.ts`) →
 *    the provider's email and groups (as roles), `via: 'ui'`. On POST/PUT/PATCH/DELETE it counts only with the
 *    session's CSRF token in `X-CSRF-Token` (`src/auth/csrf.ts`): without it a route answers 403, an open route acts
 *    as nobody. An invalid, expired or ended cookie is ignored (the 401 then says to log in again).
 * 3. `auth.trustedHeader` (default `X-SPINNAKER-USER`, what Gate and an authenticating proxy set): with auth
 *    enabled, believed only when the TCP peer is in `auth.trustedProxies`; with auth disabled, from anyone (the
 *    behaviour before authentication existed).
 * 4. Nobody: `anonymous`. With auth enabled, a route that is not open answers 401 with
 *    `WWW-Authenticate: Bearer realm="slackops"` (RFC 6750) and a message saying how to authenticate.
 *
 * Roles are the token entry's plus those `authz.roles` gives the user's email. Holders of an `auth.adminRoles` role
 * are `admin`. Open routes (`config: {auth: 'none'}`): `/health`, the Slack callback (Slack's signature is its
 * authentication) and echo's webhook trigger (unauthenticated in Spinnaker too).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import type { JudgmentVia } from '../model/judgment.js';
import fastifyCookie from '@fastify/cookie';
import { CidrSet } from './cidr.js';
import { TokenTable } from './tokens.js';
import { SESSION_COOKIE, type SessionData, type SessionProblem, type Sessions } from './session.js';
import { CSRF_HEADER, CsrfTokens, UNSAFE_METHODS } from './csrf.js';

/** The caller of one request. */
export interface Identity {
  /** The user's email (or a token's service name); `anonymous` when nobody is known. */
  user: string;
  /** Roles held: the token entry's and `authz.roles` membership of `user`; no duplicates. */
  roles: string[];
  /** Holds a role listed in `auth.adminRoles`. */
  admin: boolean;
  /**
   * How the request came: `api` unless a client says `X-SLACKOPS-CLIENT: ui|cli` (recorded with judgments and the
   * audit); `ui` always for a login session, never for a bearer token (a token claiming `ui` is `api`).
   */
  via: JudgmentVia;
  /**
   * How the user was established: a token, the web UI's login session (OpenID Connect), the trusted header from a
   * trusted proxy, the header from anyone (auth disabled), or not at all.
   */
  method: 'token' | 'session' | 'trusted-header' | 'header' | 'none';
  /** The `auth.tokens` entry's name when `method` is `token`. */
  tokenName?: string;
  /** When `method` is `session`: when the session ends, epoch ms. */
  expiresAt?: number;
}

/** Something that knows which roles `authz.roles` gives a user (the judgment rules' RoleResolver). */
export interface RoleSource {
  rolesFor(user: string): Promise<string[]>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the auth hook before anything else runs. */
    identity: Identity;
  }
  interface FastifyContextConfig {
    /** `'none'`: the route is open even with auth enabled (it authenticates its callers itself, or needs none). */
    auth?: 'none';
  }
}

/** Longest user name taken from a header (as the old `actingUser`). */
const MAX_USER = 256;

const ANONYMOUS: Identity = Object.freeze({ user: 'anonymous', roles: [], admin: false, via: 'api', method: 'none' }) as Identity;

/** Auth settings and the role source, as `installAuth` needs them. */
export interface AuthOptions {
  auth: Config['auth'];
  roles: RoleSource;
  /** Login sessions (present when `auth.oidc` is configured); null/absent: session cookies are ignored. */
  sessions?: Sessions | null;
}

/** Where the web UI's Log in starts (`GET`, `?redirect=<#/hash path>`), when OpenID Connect is configured. */
export const LOGIN_PATH = '/auth/login';

/** The outcome of looking at a request's credentials (`session` when the identity came from the session cookie). */
type Resolution = { identity: Identity; session?: SessionData } | { refuse: string; invalidToken: boolean };

const SESSION_PROBLEM: Record<SessionProblem, string> = {
  invalid: 'the session cookie is not valid (tampered with, or signed with another auth.sessionSecret)',
  expired: 'the session has expired',
  ended: 'the session was ended by Log out',
};

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Works out requests' identities from `auth` settings. Pure apart from the role source; used by `installAuth`.
 */
export class IdentityResolver {
  private readonly tokens: TokenTable;
  private readonly proxies: CidrSet;
  private readonly header: string;
  private readonly adminRoles: Set<string>;
  private readonly sessions: Sessions | null;
  /** CSRF tokens of sessions (null without sessions). */
  readonly csrf: CsrfTokens | null;

  constructor(private readonly opts: AuthOptions) {
    this.sessions = opts.sessions ?? null;
    this.csrf = this.sessions ? new CsrfTokens(this.sessions.secret) : null;
    this.tokens = new TokenTable(opts.auth.tokens);
    this.proxies = new CidrSet(opts.auth.trustedProxies);
    this.header = opts.auth.trustedHeader.toLowerCase();
    this.adminRoles = new Set(opts.auth.adminRoles.map((r) => r.toLowerCase()));
  }

  /** Whether requests must authenticate. */
  get enabled(): boolean {
    return this.opts.auth.enabled;
  }

  /** Whether the web UI can log in here (OpenID Connect configured). */
  get loginAvailable(): boolean {
    return this.sessions !== null && this.opts.auth.oidc !== null;
  }

  /**
   * The identity of a request with these headers from TCP peer `peer`, or why it is refused (never throws).
   * @param headers Node's lower-cased request headers.
   * @param cookies the request's cookies (by name), for the session cookie.
   */
  async resolve(headers: Record<string, string | string[] | undefined>, peer: string | undefined, cookies: Record<string, string | undefined> = {}): Promise<Resolution> {
    const enabled = this.opts.auth.enabled;
    const client = first(headers['x-slackops-client'])?.trim().toLowerCase();
    const via: JudgmentVia = client === 'ui' || client === 'cli' ? client : 'api';
    const authorization = first(headers.authorization)?.trim();
    if (authorization) {
      const m = /^bearer\s+(\S+)$/i.exec(authorization);
      if (m) {
        const entry = this.tokens.find(m[1]!);
        if (!entry) return { refuse: 'the bearer token is not valid (not one of auth.tokens; it may have been removed or mistyped)', invalidToken: true };
        // `ui` is recorded only for the web UI's login session: a token saying it is the UI is an API call.
        return { identity: await this.identity(entry.user, entry.roles, via === 'ui' ? 'api' : via, 'token', entry.name) };
      }
      if (enabled) {
        return { refuse: `Authorization: only the Bearer scheme is accepted (got ${JSON.stringify(authorization.split(/\s/)[0]!.slice(0, 20))})`, invalidToken: false };
      }
    }
    let sessionProblem: SessionProblem | undefined;
    const cookie = cookies[SESSION_COOKIE];
    if (cookie && this.sessions) {
      const d = this.sessions.decode(cookie);
      if ('session' in d) {
        const identity = await this.identity(d.session.user, d.session.groups, 'ui', 'session');
        return { identity: { ...identity, expiresAt: d.session.exp * 1000 }, session: d.session };
      }
      sessionProblem = d.problem;
    }
    const how = this.how();
    const named = first(headers[this.header])?.trim().slice(0, MAX_USER);
    if (named) {
      if (!enabled) return { identity: await this.identity(named, [], via, 'header') };
      if (peer !== undefined && this.proxies.match(peer) !== null) return { identity: await this.identity(named, [], via, 'trusted-header') };
      return {
        refuse: `${this.opts.auth.trustedHeader} was ignored: it is believed only from auth.trustedProxies, and ${peer ?? 'this peer'} is not one. ${how}`,
        invalidToken: false,
      };
    }
    if (enabled && sessionProblem) return { refuse: `${SESSION_PROBLEM[sessionProblem]}; log in again at ${LOGIN_PATH}. ${how}`, invalidToken: false };
    if (enabled) return { refuse: `authentication required. ${how}`, invalidToken: false };
    return { identity: { ...ANONYMOUS, via } };
  }

  private async identity(user: string, tokenRoles: string[], via: JudgmentVia, method: Identity['method'], tokenName?: string): Promise<Identity> {
    const roles = [...new Set([...tokenRoles, ...(await this.opts.roles.rolesFor(user))])];
    const admin = roles.some((r) => this.adminRoles.has(r.toLowerCase()));
    return { user, roles, admin, via, method, ...(tokenName !== undefined ? { tokenName } : {}) };
  }

  /** How to authenticate, in words (mentions the web UI's login when OpenID Connect is configured). */
  private how(): string {
    return this.loginAvailable ? `${HOW} In a browser, log in at ${LOGIN_PATH}.` : HOW;
  }
}

const HOW =
  'Send Authorization: Bearer <token> with a token listed (by its SHA-256) in auth.tokens (slackops token create makes one), or come through a proxy listed in auth.trustedProxies that sets the user header.';

/**
 * 401 in the API's error shape, with the challenge RFC 6750 asks for; `login` (the web UI's Log in path) when
 * OpenID Connect is configured, so the UI knows it can offer it.
 */
function unauthorized(reply: FastifyReply, message: string, invalidToken: boolean, login: string | null) {
  const challenge = invalidToken ? 'Bearer realm="slackops", error="invalid_token"' : 'Bearer realm="slackops"';
  return reply
    .code(401)
    .header('www-authenticate', challenge)
    .send({ status: 401, error: 'Unauthorized', message, ...(login !== null ? { login } : {}) });
}

/** The session behind a request's identity, when it came from the session cookie (for Log out). */
const requestSessions = new WeakMap<FastifyRequest, SessionData>();

/** The login session a request was authenticated by (its CSRF token already checked on unsafe methods), or null. */
export function requestSession(req: FastifyRequest): SessionData | null {
  return requestSessions.get(req) ?? null;
}

/** `GET /auth/me`'s answer: the identity plus how this service authenticates. */
export interface MeAnswer extends Identity {
  /** `enabled`: requests must authenticate; `login`: where the web UI's Log in starts (null: not configured). */
  auth: { enabled: boolean; login: string | null };
  /** With a session: the token to send in `X-CSRF-Token` on POST/PUT/PATCH/DELETE. */
  csrfToken?: string;
}

/**
 * Installs @fastify/cookie (cookie parsing, `reply.setCookie`), the identity hook on `app` (every route, including
 * ones added later) and `GET /auth/me` (`MeAnswer`: `{user, roles, admin, via, method, tokenName?, expiresAt?,
 * auth: {enabled, login}, csrfToken?}`: who the service thinks you are).
 */
export function installAuth(app: FastifyInstance, opts: AuthOptions): IdentityResolver {
  const resolver = new IdentityResolver(opts);
  const login = resolver.loginAvailable ? LOGIN_PATH : null;
  void app.register(fastifyCookie);
  app.decorateRequest('identity', null as unknown as Identity);
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const open = req.routeOptions.config?.auth === 'none';
    const r = await resolver.resolve(req.headers, req.socket.remoteAddress, req.cookies ?? {});
    if ('identity' in r) {
      if (r.session && UNSAFE_METHODS.has(req.method) && !resolver.csrf!.check(r.session.sid, first(req.headers['x-csrf-token']))) {
        // A state change riding on the cookie alone could come from another site: refuse it, or act as nobody.
        if (open) {
          req.identity = ANONYMOUS;
          return;
        }
        req.log.info({ peer: req.socket.remoteAddress }, 'refused a session request without its CSRF token');
        return reply.code(403).send({
          status: 403,
          error: 'Forbidden',
          message: `${CSRF_HEADER} header missing or wrong: requests authenticated by the session cookie must send the token GET /auth/me returns (csrfToken) in ${CSRF_HEADER} on POST, PUT, PATCH and DELETE`,
        });
      }
      req.identity = r.identity;
      if (r.session) requestSessions.set(req, r.session);
      return;
    }
    if (open) {
      req.identity = ANONYMOUS;
      return;
    }
    req.log.info({ reason: r.refuse.split('.')[0], peer: req.socket.remoteAddress }, 'refused an unauthenticated request');
    return unauthorized(reply, r.refuse, r.invalidToken, login);
  });
  app.get('/auth/me', async (req): Promise<MeAnswer> => {
    const session = requestSession(req);
    return {
      ...req.identity,
      auth: { enabled: resolver.enabled, login },
      ...(session ? { csrfToken: resolver.csrf!.token(session.sid) } : {}),
    };
  });
  return resolver;
}
