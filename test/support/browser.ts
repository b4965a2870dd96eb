/**
 * A real browser for UI tests: Debian's Chromium (`/usr/bin/chromium`, or `SLACKOPS_CHROMIUM`) driven by
 * playwright-core, headless, with a fresh profile directory per launch (removed on close). `.ci/run` installs the
 * `chromium` package when it is missing; without it {@link launchBrowser} throws saying so.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.SLACKOPS_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Launches Chromium headless with its own temporary user-data-dir and opens one page.
 * @throws Error naming the path and the fix when the Chromium binary is missing.
 */
export async function launchBrowser(opts: { viewport?: { width: number; height: number } } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (.ci/run does) or set SLACKOPS_CHROMIUM`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'slackops-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the element's text contains `expected` (a string) or matches it (a RegExp). playwright-core has no
 * `expect`; this polls generously (default 20 s) for a loaded machine.
 * @throws Error with the last text seen.
 */
export async function seeText(locator: Locator, expected: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '(element not found)';
  for (;;) {
    try {
      if ((await locator.count()) > 0) {
        last = await locator.first().innerText({ timeout: 2_000 });
        if (typeof expected === 'string' ? last.includes(expected) : expected.test(last)) return last;
      }
    } catch (err) {
      last = `(${(err as Error).message.split('\n')[0]})`;
    }
    if (Date.now() > until) throw new Error(`expected ${String(locator)} to show ${String(expected)}; it shows: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the element is visible (default 20 s). */
export async function seeVisible(locator: Locator, timeoutMs = 20_000): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Waits until the element's attribute `name` equals `value` (default 20 s). */
export async function seeAttribute(locator: Locator, name: string, value: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last: string | null = null;
  for (;;) {
    last = (await locator.count()) > 0 ? await locator.first().getAttribute(name) : null;
    if (last === value) return;
    if (Date.now() > until) throw new Error(`expected ${String(locator)} to have ${name}="${value}"; it has ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
