/**
 * OpenID Connect login, sessions and CSRF, over real HTTP: a real provider (oidc-provider on loopback, its
 * development login and consent pages), the service with auth enabled and `auth.oidc` pointing at it, and a cookie
 * jar following redirects as a browser would. Checks the round trip, what the session may do, that forged,
 * tampered and expired cookies are refused, that mutations need the CSRF token, and that Log out ends the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertBindAllowed } from '../../src/auth/bind.js';
import { sha256Hex } from '../../src/auth/tokens.js';
import { Sessions, SESSION_COOKIE } from '../../src/auth/session.js';
import { groupsFrom, safeRedirect, userFrom } from '../../src/auth/oidc.js';
import { ConfigError, parseConfig, redactedConfig } from '../../src/config/index.js';
import { judgmentPipeline, startHarness, waitFor, type Harness } from '../support/harness.js';
import { browseLogin, CookieJar, freePort, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

const SESSION_SECRET = 'test-session-secret-0123456789abcdefghijklmnop';
const TOKEN = 'slo_oidc-test-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

let idp: TestOidcProvider;
let h: Harness;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startOidcProvider({
    redirectUris: [`${base}/auth/callback`],
    accounts: {
      alice: { email: 'alice@example.com', groups: ['deployers', 'platform'] },
      mallory: { email: 'ceo@example.com', groups: [], emailVerified: false },
    },
  });
  h = await startHarness({
    slackEnabled: false,
    config: {
      server: { host: '127.0.0.1', port, publicUrl: base },
      authz: { roles: { sre: ['alice@example.com'] } },
      auth: {
        enabled: true,
        tokens: [{ name: 'ci', tokenSha256: sha256Hex(TOKEN), user: 'ci@example.com', roles: [] }],
        adminRoles: ['platform'],
        oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ['openid', 'email', 'profile', 'groups'] },
        sessionSecret: SESSION_SECRET,
      },
    },
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await idp?.close();
});

/** Logs in as `login` through the provider; returns the jar holding the session and where the browser landed. */
async function logIn(login = 'alice', redirect = '#/applications/checkout/executions'): Promise<{ jar: CookieJar; landed: string }> {
  const jar = new CookieJar();
  const { url } = await browseLogin(jar, `${base}/auth/login?redirect=${encodeURIComponent(redirect)}`, login, (u) => u.origin === base && u.pathname === '/');
  return { jar, landed: url };
}

async function call(jar: CookieJar, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await jar.fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, res };
}

describe('the login round trip', () => {
  it('goes to the provider with PKCE, state and nonce, and comes back with a session for the email and groups', async () => {
    const start = await fetch(`${base}/auth/login?redirect=${encodeURIComponent('#/applications')}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const to = new URL(start.headers.get('location')!);
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('redirect_uri')).toBe(`${base}/auth/callback`);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('client_id')).toBe(idp.clientId);
    for (const p of ['code_challenge', 'state', 'nonce']) expect(to.searchParams.get(p)).toMatch(/^[\w-]{20,}$/);
    expect(to.searchParams.get('scope')).toBe('openid email profile groups');
    expect(start.headers.get('set-cookie')).toMatch(/slackops_login=.*Path=\/auth\/callback.*HttpOnly.*SameSite=Lax/i);

    const { jar, landed } = await logIn();
    expect(landed).toBe(`${base}/#/applications/checkout/executions`);
    const me = await call(jar, 'GET', '/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: 'alice@example.com',
      roles: ['deployers', 'platform', 'sre'], // the groups claim, then authz.roles by email
      admin: true, // platform is in auth.adminRoles
      via: 'ui',
      method: 'session',
      auth: { enabled: true, login: '/auth/login' },
    });
    expect(me.body.csrfToken).toMatch(/^[\w-]{43}$/);
    expect(me.body.expiresAt).toBeGreaterThan(Date.now() + 11 * 3_600_000);
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, for the whole site, expiring with the session', async () => {
    const jar = new CookieJar();
    const seen: string[] = [];
    const original = jar.store.bind(jar);
    jar.store = (url, res) => {
      seen.push(...res.headers.getSetCookie().filter((c) => c.startsWith(`${SESSION_COOKIE}=`)));
      original(url, res);
    };
    await browseLogin(jar, `${base}/auth/login`, 'alice', (u) => u.origin === base && u.pathname === '/');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/HttpOnly/i);
    expect(seen[0]).toMatch(/SameSite=Lax/i);
    expect(seen[0]).toMatch(/Path=\/(;|$)/);
    expect(seen[0]).toMatch(/Max-Age=43200/);
    expect(seen[0]).not.toMatch(/Secure/); // http publicUrl; https turns it on
  });

  it('returns to #/ for a redirect that is not a hash path of the UI (no open redirect)', async () => {
    const { landed } = await logIn('alice', 'https://evil.example.com/');
    expect(landed).toBe(`${base}/#/`);
    expect(safeRedirect('//evil.example.com')).toBe('#/');
    expect(safeRedirect('#/applications/x?refId=1')).toBe('#/applications/x?refId=1');
  });

  it('uses sub, not an email the provider marks unverified', async () => {
    const { jar } = await logIn('mallory');
    expect((await call(jar, 'GET', '/auth/me')).body).toMatchObject({ user: 'mallory', roles: [], method: 'session' });
    expect(userFrom({ sub: 's', email: 'x@example.com' })).toBe('x@example.com');
    expect(groupsFrom({ realm_access: { roles: ['a', 'b', 7] } }, 'realm_access.roles')).toEqual(['a', 'b']);
    expect(groupsFrom({ 'https://example.com/groups': 'one' }, 'https://example.com/groups')).toEqual(['one']);
  });

  it('refuses a callback without a login in progress, with a forged state, or when the provider says no', async () => {
    const none = await fetch(`${base}/auth/callback?code=abc&state=def`, { redirect: 'manual' });
    expect(none.status).toBe(400);
    expect(((await none.json()) as any).message).toMatch(/no login in progress.*\/auth\/login/);

    const jar = new CookieJar();
    const start = await jar.fetch(`${base}/auth/login`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const forged = await jar.fetch(`${base}/auth/callback?code=abc&state=not-${state}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as any).message).toMatch(/did not check out.*state/i);

    await jar.fetch(`${base}/auth/login`);
    const state2 = new URL((await jar.fetch(`${base}/auth/login`)).headers.get('location')!).searchParams.get('state')!;
    const denied = await jar.fetch(`${base}/auth/callback?error=access_denied&error_description=nope&state=${state2}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as any).message).toMatch(/provider refused the login: access_denied/);
    expect(jar.get(base, SESSION_COOKIE)).toBeUndefined();
  });
});

describe('what a session may do', () => {
  it('reads, and changes state only with the CSRF token; the judgment records the OIDC user', async () => {
    const { jar } = await logIn();
    expect((await call(jar, 'GET', '/applications')).status).toBe(200);
    const csrf = (await call(jar, 'GET', '/auth/me')).body.csrfToken as string;
    const pipeline = judgmentPipeline({ application: 'oidc-app' }, { notifications: [], sendNotifications: false });

    for (const [method, path, body] of [
      ['POST', '/pipelines', pipeline],
      ['PUT', '/applications/oidc-app', { description: 'x' }],
      ['DELETE', '/pipelines/oidc-app/nope', undefined],
      ['PATCH', '/pipelines/nope/stages/1', { judgmentStatus: 'continue' }],
    ] as const) {
      const refused = await call(jar, method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.message).toMatch(/X-CSRF-Token header missing or wrong/);
    }
    const wrong = await call(jar, 'POST', '/pipelines', pipeline, { 'x-csrf-token': csrf.slice(0, -1) + (csrf.endsWith('A') ? 'B' : 'A') });
    expect(wrong.status).toBe(403);

    const saved = await call(jar, 'POST', '/pipelines', pipeline, { 'x-csrf-token': csrf });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.lastModifiedBy).toBe('alice@example.com');
    const trig = await call(jar, 'POST', '/pipelines/oidc-app/Deploy%20to%20production', { parameters: { version: '7' } }, { 'x-csrf-token': csrf });
    expect(trig.status, JSON.stringify(trig.body)).toBe(202);
    const id = (trig.body.ref as string).replace('/pipelines/', '');
    await waitFor('the judgment stage to run', async () => (await call(jar, 'GET', `/pipelines/${id}`)).body.stages[0].status === 'RUNNING', 30_000);
    const stageId = (await call(jar, 'GET', `/pipelines/${id}`)).body.stages[0].id;
    const judged = await call(jar, 'PATCH', `/pipelines/${id}/stages/${stageId}`, { judgmentStatus: 'continue' }, { 'x-csrf-token': csrf });
    expect(judged.status, JSON.stringify(judged.body)).toBe(200);
    const e = (await call(jar, 'GET', `/pipelines/${id}`)).body;
    expect(e.trigger.user).toBe('alice@example.com');
    expect(e.stages[0].context.lastModifiedBy).toBe('alice@example.com');
  });

  it('another session\'s CSRF token does not count', async () => {
    const a = await logIn();
    const b = await logIn();
    const tokenB = (await call(b.jar, 'GET', '/auth/me')).body.csrfToken;
    expect((await call(a.jar, 'PUT', '/applications/oidc-other', { description: 'x' }, { 'x-csrf-token': tokenB })).status).toBe(403);
  });

  it('Bearer tokens need no CSRF token; open routes never act as the session\'s user', async () => {
    expect((await h.api('PUT', '/applications/oidc-bearer', { description: 'x' }, { authorization: `Bearer ${TOKEN}` })).status).toBeLessThan(300);
    const { jar } = await logIn();
    const hook = await call(jar, 'POST', '/webhooks/webhook/oidc-test', { hello: 'world' });
    expect(hook.status).not.toBe(403);
    expect(hook.status).toBeLessThan(500);
  });
});

describe('cookies that are not a valid session', () => {
  const forge = (secret: string, user: string, nowMs = Date.now()) => {
    const s = new Sessions({ secret, ttlMs: 3_600_000, secure: false });
    return s.encode(s.create(user, ['platform'], nowMs));
  };
  const withCookie = (value: string) => fetch(`${base}/auth/me`, { headers: { cookie: `${SESSION_COOKIE}=${value}` } });

  it('a session signed with another secret is refused (401, telling to log in again)', async () => {
    const res = await withCookie(forge('another-secret-0123456789abcdefghijklmnopq', 'root@example.com'));
    expect(res.status).toBe(401);
    const body = (await res.json()) as any;
    expect(body.message).toMatch(/session cookie is not valid.*log in again at \/auth\/login/);
    expect(body.login).toBe('/auth/login');
  });

  it('a tampered session is refused: the user changed, the signature kept', async () => {
    const { jar } = await logIn();
    const real = jar.get(base, SESSION_COOKIE)!;
    const [payload, sig] = [real.slice(0, real.lastIndexOf('.')), real.slice(real.lastIndexOf('.'))];
    const data = JSON.parse(Buffer.from(decodeURIComponent(payload), 'base64url').toString());
    const evil = Buffer.from(JSON.stringify({ ...data, user: 'root@example.com' })).toString('base64url');
    expect((await withCookie(real)).status).toBe(200);
    expect((await withCookie(evil + sig)).status).toBe(401);
    expect((await withCookie(real.slice(0, -2) + (real.endsWith('A') ? 'BB' : 'AA'))).status).toBe(401);
  });

  it('an expired session is refused, even correctly signed', async () => {
    const res = await withCookie(forge(SESSION_SECRET, 'alice@example.com', Date.now() - 2 * 3_600_000));
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).message).toMatch(/session has expired/);
    // the same, still in date, is accepted: the secret is what makes a session
    expect((await withCookie(forge(SESSION_SECRET, 'alice@example.com'))).status).toBe(200);
  });
});

describe('Log out', () => {
  it('needs the CSRF token, clears the cookie and ends the session (a copy replayed is refused)', async () => {
    const { jar } = await logIn();
    const copy = jar.get(base, SESSION_COOKIE)!;
    const csrf = (await call(jar, 'GET', '/auth/me')).body.csrfToken;
    expect((await call(jar, 'POST', '/auth/logout')).status).toBe(403);
    const out = await call(jar, 'POST', '/auth/logout', undefined, { 'x-csrf-token': csrf });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ loggedOut: true });
    expect(out.res.headers.getSetCookie().join()).toMatch(new RegExp(`${SESSION_COOKIE}=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)`));
    expect(jar.get(base, SESSION_COOKIE)).toBeUndefined();
    const after = await call(jar, 'GET', '/auth/me');
    expect(after.status).toBe(401);
    expect(after.body.login).toBe('/auth/login');
    jar.set(base, SESSION_COOKIE, copy);
    const replay = await call(jar, 'GET', '/auth/me');
    expect(replay.status).toBe(401);
    expect(replay.body.message).toMatch(/ended by Log out/);
  });
});

describe('hostile cookies and CSRF headers (fast-check, bounded in time)', () => {
  it('never a 5xx, never a change: random cookie values and tokens, and one-character changes of a real pair', async () => {
    const { jar } = await logIn();
    const real = jar.get(base, SESSION_COOKIE)!;
    const csrf = (await call(jar, 'GET', '/auth/me')).body.csrfToken as string;
    const flip = (text: string, i: number, c: string) => text.slice(0, i % text.length) + c + text.slice((i % text.length) + 1);
    const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.%=+/'.split('')), maxLength: 120 });
    const cookie = fc.oneof(printable, fc.tuple(fc.nat(), fc.constantFrom('A', 'b', '9', '_')).map(([i, c]) => flip(real, i, c)).filter((v) => v !== real));
    const token = fc.oneof(printable, fc.constant(csrf), fc.tuple(fc.nat(), fc.constantFrom('A', 'b')).map(([i, c]) => flip(csrf, i, c)));
    await fc.assert(
      fc.asyncProperty(cookie, fc.option(token, { nil: undefined }), async (value, presented) => {
        const res = await fetch(`${base}/applications/fuzz-oidc`, {
          method: 'PUT',
          headers: { cookie: `${SESSION_COOKIE}=${value}`, 'content-type': 'application/json', ...(presented !== undefined ? { 'x-csrf-token': presented } : {}) },
          body: JSON.stringify({ description: 'fuzzed' }),
        });
        expect(res.status).toBeLessThan(500);
        expect(res.status, `cookie ${value}`).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 200, interruptAfterTimeLimit: 15_000 },
    );
    expect((await h.api('GET', '/applications/fuzz-oidc', undefined, { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
  }, 60_000);
});

describe('configuration', () => {
  it('lets a non-loopback service start with OpenID Connect as its only way in', () => {
    const c = parseConfig({ server: { host: '0.0.0.0' }, auth: { oidc: { issuer: 'https://idp.example.com', clientId: 'x' } } }, {});
    expect(() => assertBindAllowed(c)).not.toThrow();
  });

  it('refuses an http issuer off loopback, a missing clientId and a short session secret, naming each key', () => {
    let err: ConfigError | undefined;
    try {
      parseConfig({ auth: { oidc: { issuer: 'http://idp.example.com' }, sessionSecret: 'short' } }, {});
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = Object.fromEntries(err!.issues.map((i) => [i.path, i.message]));
    expect(issues['auth.oidc.issuer']).toMatch(/https/);
    expect(issues['auth.sessionSecret']).toMatch(/at least 32 characters/);
    expect(JSON.stringify(err!.issues)).not.toContain('short');
    expect(() => parseConfig({ auth: { oidc: { issuer: 'https://idp.example.com' } } }, {})).toThrow(/auth\.oidc\.clientId.*required/);
  });

  it('defaults scopes and groups claim, and never shows the client or session secret', () => {
    const c = parseConfig({ auth: { oidc: { issuer: 'https://idp.example.com/', clientId: 'x', clientSecret: 'client-secret-value' }, sessionSecret: SESSION_SECRET } }, {});
    expect(c.auth.oidc).toEqual({ issuer: 'https://idp.example.com', clientId: 'x', clientSecret: 'client-secret-value', scopes: ['openid', 'email', 'profile'], groupsClaim: 'groups' });
    expect(c.auth.sessionTtlMs).toBe(43_200_000);
    const shown = JSON.stringify(redactedConfig(c));
    expect(shown).not.toContain('client-secret-value');
    expect(shown).not.toContain(SESSION_SECRET);
  });

  it('starts while the issuer is down, and Log in then answers 503 naming it', async () => {
    const down = await startHarness({
      slackEnabled: false,
      config: { auth: { enabled: true, oidc: { issuer: `http://127.0.0.1:${await freePort()}`, clientId: 'x' } } },
    });
    try {
      const res = await down.api('GET', '/auth/login');
      expect(res.status).toBe(503);
      expect(res.body.message).toMatch(/OpenID Connect issuer http:\/\/127\.0\.0\.1:\d+ could not be reached/);
    } finally {
      await down.close();
    }
  });
});
