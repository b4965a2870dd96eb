/**
 * The OpenID Connect login round trip in a real browser (Debian's Chromium via playwright-core): a service with
 * auth enabled and `auth.oidc` pointing at a real provider on loopback (oidc-provider with its development login
 * and consent pages). Opening a judgment link shows Log in; Log in goes to the provider, back to the same screen
 * logged in with the user's email shown; a login in another tab replaces the session (this tab's stale CSRF token
 * is renewed on the refusal); Approve records the OIDC user (through the CSRF-protected PATCH); Log out ends the
 * session and offers Log in again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { sha256Hex } from '../../src/auth/tokens.js';
import { judgmentPipeline, startHarness, waitFor, type Harness } from '../support/harness.js';
import { launchBrowser, seeText, seeVisible, type TestBrowser } from '../support/browser.js';
import { freePort, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

/** Generous: a browser, a provider and a service on a loaded 2-core machine; the waits pass as soon as they can. */
const TEST_TIMEOUT_MS = 120_000;
const TOKEN = 'slo_login-test-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const bearer = { authorization: `Bearer ${TOKEN}` };

let idp: TestOidcProvider;
let h: Harness;
let b: TestBrowser;
let page: Page;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  idp = await startOidcProvider({ redirectUris: [`${base}/auth/callback`], accounts: { alice: { email: 'alice@example.com', groups: ['deployers'] } } });
  h = await startHarness({
    slackEnabled: false,
    config: {
      server: { host: '127.0.0.1', port, publicUrl: base },
      auth: {
        enabled: true,
        tokens: [{ name: 'setup', tokenSha256: sha256Hex(TOKEN), user: 'setup@example.com', roles: [] }],
        oidc: { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, scopes: ['openid', 'email', 'groups'] },
      },
    },
  });
  b = await launchBrowser();
  page = b.page;
}, 90_000);
afterAll(async () => {
  await b?.close();
  await h?.close();
  await idp?.close();
});

describe('web UI: OpenID Connect login, in Chromium', () => {
  it('logs in at the provider, comes back to the judgment, approves as the OIDC user, and logs out', async () => {
    // A pipeline awaiting judgment, set up through the API with a token; the stage is only for deployers.
    const saved = await h.api('POST', '/pipelines', judgmentPipeline({ application: 'login-app' }, { notifications: [], sendNotifications: false, selectedStageRoles: ['deployers'] }), bearer);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const trig = await h.api('POST', '/pipelines/login-app/Deploy%20to%20production', { parameters: { version: '9.9.9' } }, bearer);
    expect(trig.status, JSON.stringify(trig.body)).toBe(202);
    const id = (trig.body.ref as string).replace('/pipelines/', '');
    await waitFor('the judgment stage to run', async () => (await h.api('GET', `/pipelines/${id}`, undefined, bearer)).body.stages[0].status === 'RUNNING', 30_000);

    // Not logged in: no screen, Log in instead (no "Acting as" with auth enabled).
    await page.goto(`${base}/#/applications/login-app/executions/details/${id}?refId=1`);
    await seeText(page.getByRole('heading', { level: 1 }), 'Sign in required');
    expect(await page.getByLabel('Acting as').count()).toBe(0);

    // The provider's development pages: login (any password), then consent.
    await page.getByRole('banner').getByRole('link', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.origin === idp.issuer, { timeout: 60_000 });
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('any-password');
    await page.locator('button[type="submit"]').first().click();
    await page.waitForURL((u) => u.origin === idp.issuer && u.pathname.startsWith('/interaction/'), { timeout: 60_000 });
    await seeVisible(page.getByRole('button', { name: 'Continue' }), 60_000);
    await page.getByRole('button', { name: 'Continue' }).click();

    // Back on the same screen, logged in.
    await page.waitForURL((u) => u.origin === base && u.hash.startsWith(`#/applications/login-app/executions/details/${id}`), { timeout: 60_000 });
    await seeText(page.getByLabel('Signed in as'), 'alice@example.com');
    await seeVisible(page.getByRole('button', { name: 'Log out' }));
    expect(await page.getByLabel('Acting as').count()).toBe(0);

    // Logging in again in another tab (the provider remembers alice: no pages this time) replaces the session, so
    // this tab's CSRF token is stale: its next change is refused once, and retried with the new session's token.
    const before = (await b.context.cookies(base)).find((c) => c.name === 'slackops_session')!.value;
    const other = await b.context.newPage();
    await other.goto(`${base}/auth/login?redirect=${encodeURIComponent('#/applications')}`);
    await other.waitForURL((u) => u.origin === base && u.hash === '#/applications', { timeout: 60_000 });
    await other.close();
    expect((await b.context.cookies(base)).find((c) => c.name === 'slackops_session')!.value).not.toBe(before);

    const judgment = page.getByRole('region', { name: 'Manual judgment' });
    await seeVisible(judgment);
    await judgment.getByRole('button', { name: /Approve/ }).click();
    await seeText(judgment.getByRole('status'), /Approved.*by alice@example\.com/);
    const e = (await h.api('GET', `/pipelines/${id}`, undefined, bearer)).body;
    expect(e.stages[0].context.lastModifiedBy).toBe('alice@example.com');
    expect(e.stages[0].context.judgmentStatus).toBe('continue');

    // The session cookie is not readable by scripts.
    expect(await page.evaluate<string>('document.cookie')).not.toContain('slackops_session');

    await page.getByRole('button', { name: 'Log out' }).click();
    await seeVisible(page.getByRole('banner').getByRole('link', { name: 'Log in' }));
    await seeText(page.getByRole('heading', { level: 1 }), 'Sign in required');
    const cookies = await b.context.cookies(base);
    expect(cookies.find((c) => c.name === 'slackops_session')).toBeUndefined();
  }, TEST_TIMEOUT_MS);
});
