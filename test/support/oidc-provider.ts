/**
 * A real OpenID Connect provider for tests: panva's oidc-provider (the certified reference implementation) on
 * loopback with its development login and consent pages (any password), one confidential client, and accounts
 * whose claims include an email and a `groups` claim (released for the `groups` scope). Plus a tiny browser
 * stand-in for HTTP-level tests: a cookie jar that follows redirects and submits the provider's two forms.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// oidc-provider ships no type declarations (and @types/oidc-provider is not installed): typed loosely here.
// @ts-expect-error no declaration file
import ProviderModule from 'oidc-provider';

type ProviderInstance = { callback(): (req: unknown, res: unknown) => void };
const Provider = ProviderModule as unknown as new (issuer: string, config: Record<string, unknown>) => ProviderInstance;

/** One `Set-Cookie` header: name, value, and whether it deletes the cookie (Max-Age ≤ 0 or a past Expires). */
function parseSetCookie(header: string): { name: string; value: string; gone: boolean } {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  let gone = false;
  for (const a of attrs) {
    const [k = '', v = ''] = a.split('=').map((x) => x.trim());
    if (k.toLowerCase() === 'max-age' && Number(v) <= 0) gone = true;
    if (k.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) gone = true;
  }
  return { name, value, gone };
}

export interface TestAccount {
  email: string;
  groups: string[];
  /** Default true; false marks the email unverified. */
  emailVerified?: boolean;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (closed again at once; tests use it right after). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Starts the provider on 127.0.0.1 (a free port). `accounts` are keyed by the login typed on its login page.
 * @param opts.redirectUris the client's registered redirect URIs (the service's `<publicUrl>/auth/callback`).
 */
export async function startOidcProvider(opts: { redirectUris: string[]; accounts: Record<string, TestAccount> }): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'slackops-test';
  const clientSecret = 'test-client-secret-0123456789abcdefghij';
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: opts.redirectUris, response_types: ['code'], grant_types: ['authorization_code'] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    // Explicit lifetimes (seconds), so the provider does not print a notice for each default it uses.
    ttl: { Interaction: 600, Session: 3_600, Grant: 3_600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    async findAccount(_ctx: unknown, id: string) {
      const a = opts.accounts[id];
      return {
        accountId: id,
        async claims() {
          return a
            ? { sub: id, email: a.email, email_verified: a.emailVerified ?? true, name: id, groups: a.groups }
            : { sub: id };
        },
      };
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A cookie jar per origin (paths ignored: every cookie of an origin is sent to all its paths), like a small browser. */
export class CookieJar {
  private readonly jar = new Map<string, Map<string, string>>();

  /** Stores the `Set-Cookie` headers of `res` (from `url`); Max-Age=0 or a past Expires deletes. */
  store(url: string, res: Response): void {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    for (const c of res.headers.getSetCookie().map(parseSetCookie)) {
      if (c.gone || c.value === '') cookies.delete(c.name);
      else cookies.set(c.name, c.value);
    }
    this.jar.set(origin, cookies);
  }

  /** The value of cookie `name` for `origin`, if any. */
  get(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  set(origin: string, name: string, value: string): void {
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    cookies.set(name, value);
    this.jar.set(origin, cookies);
  }

  delete(origin: string, name: string): void {
    this.jar.get(origin)?.delete(name);
  }

  /** The `Cookie` header for `url` (empty when none). */
  header(url: string): string {
    return [...(this.jar.get(new URL(url).origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** One request with this jar's cookies; redirects are not followed. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.header(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(url, res);
    return res;
  }
}

/**
 * Drives a login like a browser: GET `start`, follow every redirect, and on the provider's development pages
 * submit the login form (`login`, any password) and the consent form; stops at the first answer that is not a
 * redirect or one of those forms, or on a redirect to `stopAt` (an origin + path prefix, e.g. the UI's `/`).
 * @returns the last URL (where a redirect pointed, when stopped there) and the last response.
 */
export async function browseLogin(jar: CookieJar, start: string, login: string, stopAt?: (url: URL) => boolean): Promise<{ url: string; res: Response; visited: string[] }> {
  let url = start;
  let init: RequestInit = {};
  const visited: string[] = [];
  for (let hop = 0; hop < 25; hop++) {
    visited.push(url);
    const res = await jar.fetch(url, init);
    init = {};
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).href;
      if (stopAt?.(new URL(url))) return { url, res, visited };
      continue;
    }
    const type = res.headers.get('content-type') ?? '';
    if (res.status === 200 && type.includes('text/html')) {
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (action && (prompt === 'login' || prompt === 'consent')) {
        const form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any-password' } : { prompt });
        url = new URL(action.replace(/&amp;/g, '&'), url).href;
        init = { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
        continue;
      }
      return { url, res: new Response(html, { status: res.status, headers: res.headers }), visited };
    }
    return { url, res, visited };
  }
  throw new Error(`too many redirects: ${visited.join(' → ')}`);
}
