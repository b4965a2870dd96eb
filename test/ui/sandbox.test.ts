/**
 * The README's quick start in a real browser (Debian's Chromium through playwright-core): a fresh service with no
 * Slack token (so Slack is the built-in sandbox), the example pipeline (docs/example-pipeline.json, the file the
 * README uses) saved and triggered, the judgment message shown at `/#/slack-sandbox`, Approve clicked and its
 * confirm dialog accepted, the message updated in place and the execution SUCCEEDED; then Reject through the reason
 * dialog. Screenshots go to a temporary folder, or to `SLACKOPS_SCREENSHOTS` (the README's come from
 * `SLACKOPS_SCREENSHOTS=docs/screenshots npx vitest run test/ui/sandbox.test.ts`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor } from '../support/harness.js';
import { launchBrowser, seeAttribute, seeText, seeVisible, type TestBrowser } from '../support/browser.js';
import { startSandboxService, type SandboxService } from '../support/sandbox-service.js';

const SHOTS = process.env.SLACKOPS_SCREENSHOTS ? resolve(process.env.SLACKOPS_SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'slackops-shots-'));
const EXAMPLE = JSON.parse(readFileSync(new URL('../../docs/example-pipeline.json', import.meta.url), 'utf8'));

let s: SandboxService;
let b: TestBrowser;
let page: Page;

async function trigger(version: string): Promise<string> {
  const r = await s.api('POST', '/pipelines/checkout/Deploy', { user: 'you@example.com', parameters: { version } });
  expect(r.status).toBe(202);
  return String(r.body.ref).split('/').pop()!;
}

async function executionStatus(id: string, status: string) {
  return waitFor(`execution ${id} ${status}`, async () => {
    const e = await s.api('GET', `/pipelines/${id}`);
    return e.body.status === status ? e.body : null;
  }, 30_000);
}

describe('README quick start in Chromium: approve in the Slack sandbox', () => {
  beforeAll(async () => {
    s = await startSandboxService();
    b = await launchBrowser();
    page = b.page;
    expect((await s.api('POST', '/pipelines', EXAMPLE)).status).toBe(200);
  }, 90_000);
  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  it('shows the judgment message, approves it after the confirm dialog, and the message and execution follow', async () => {
    const id = await trigger('1.2.3');
    await page.goto(`${s.service.url}/#/slack-sandbox`);
    await seeText(page.getByRole('note'), 'SANDBOX');
    await seeVisible(page.getByRole('button', { name: '#deploys (1)' }));
    const message = page.locator('article.sandbox-message').first();
    await seeText(message, 'awaiting manual judgment');
    await seeText(message, 'Deploy 1.2.3 to production?');
    expect(await page.getByLabel('Click as').inputValue()).toBe('U0SANDBOXYOU');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'slack-sandbox.png'), fullPage: true });

    // By keyboard: Enter on Approve opens its confirm dialog; Escape closes it and nothing is sent.
    const approve = message.getByRole('button', { name: 'Approve', exact: true });
    await approve.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Approve?' });
    await seeText(dialog, 'continues past stage');
    // The focus stays in the modal: Tab and Shift+Tab cycle through its two buttons.
    const inDialog = () => page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } }).document;
      return Boolean(doc.activeElement?.closest('[role="dialog"]'));
    });
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await inDialog(), `focus after ${key}`).toBe(true);
    }
    // Escape closes it even when the focus has left the dialog (e.g. a click on the page behind).
    await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur?: () => void } | null } }).document.activeElement?.blur?.());
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await approve.evaluate((el) => el === (el.ownerDocument as { activeElement: unknown }).activeElement)).toBe(true);
    expect(await page.title()).toBe('Slack sandbox · SlackOps');
    expect((await s.api('GET', `/pipelines/${id}`)).body.stages[0].status).toBe('RUNNING');

    await approve.click();
    await seeText(dialog, 'continues past stage');
    await page.screenshot({ path: join(SHOTS, 'slack-sandbox-confirm.png') });
    // Nothing is sent before the dialog is confirmed (the confirm button has the focus: Enter confirms).
    expect((await s.api('GET', `/pipelines/${id}`)).body.stages[0].status).toBe('RUNNING');
    await page.keyboard.press('Enter');
    await seeText(page.getByRole('status').filter({ hasText: 'Clicked' }), "Slack's request was acknowledged (HTTP 200)");

    // The same message (same ts), updated in place: who approved, no buttons; the continue reply in its thread.
    await seeText(message, /Approved by @you at/);
    await seeText(message.getByLabel('Thread replies'), 'Approved');
    expect(await message.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    expect(await page.locator('article.sandbox-message').count()).toBe(1);
    await seeText(message, 'edited');
    await page.screenshot({ path: join(SHOTS, 'slack-sandbox-approved.png'), fullPage: true });
    const done = await executionStatus(id, 'SUCCEEDED');
    expect(done.stages[0].context.lastModifiedBy).toBe('you@example.com');
  }, 120_000);

  it('rejects through the reason dialog as another sandbox user', async () => {
    const id = await trigger('2.0.0');
    await page.goto(`${s.service.url}/#/slack-sandbox`);
    await page.getByLabel('Click as').selectOption('U0SANDBOXALICE');
    const message = page.locator('article.sandbox-message', { hasText: '2.0.0' });
    await seeText(message, 'awaiting manual judgment');
    await message.getByRole('button', { name: 'Reject', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Reject' });
    await seeVisible(dialog);
    await dialog.getByLabel('Reason (optional)').fill('<b>not</b> on a Friday');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await seeText(message, /Rejected by @alice at/);
    await seeText(message, '<b>not</b> on a Friday'); // shown as text, never as markup
    expect(await message.locator('b').count()).toBe(0);
    const ended = await executionStatus(id, 'TERMINAL');
    expect(ended.stages[0].context).toMatchObject({ judgmentStatus: 'stop', lastModifiedBy: 'alice@example.com' });
  }, 120_000);

  it('a refused click is not called accepted: the status shows the ephemeral answer; ephemerals render Slack syntax', async () => {
    const restricted = { ...EXAMPLE, name: 'Deploy SRE', stages: EXAMPLE.stages.map((st: any) => (st.type === 'manualJudgment' ? { ...st, selectedStageRoles: ['sre'] } : st)) };
    expect((await s.api('POST', '/pipelines', restricted)).status).toBe(200);
    const r = await s.api('POST', '/pipelines/checkout/Deploy SRE', { user: 'bob@example.com', parameters: { version: '3.0.0' } });
    expect(r.status).toBe(202);
    await page.goto(`${s.service.url}/#/slack-sandbox`);
    await page.getByLabel('Click as').selectOption('U0SANDBOXYOU');
    const message = page.locator('article.sandbox-message', { hasText: '3.0.0' });
    await seeText(message, 'awaiting manual judgment');
    await message.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByRole('dialog', { name: 'Approve?' }).getByRole('button', { name: /Approve|Yes/ }).click();
    const status = page.getByRole('status').filter({ hasText: 'Clicked' });
    await seeText(status, "Slack's request was acknowledged (HTTP 200)");
    await seeText(status, /The service answered.*can.t judge this stage/);
    expect(await status.textContent()).not.toContain('accepted');

    // Two people click Approve at once: one judges, the other is told (ephemerally) who already judged and when,
    // in Slack syntax (<@U…>, <!date^…|…>) that the page shows as Slack would: a name and a date.
    await trigger('4.0.0');
    const listed = await waitFor('the 4.0.0 message', async () => {
      const m = await s.api('GET', '/sandbox/slack/messages?channel=deploys&userId=U0SANDBOXYOU');
      return (m.body.messages as any[]).find((x) => JSON.stringify(x.blocks ?? x.text).includes('4.0.0')) ?? null;
    });
    const clicks = await Promise.all(
      ['U0SANDBOXALICE', 'U0SANDBOXYOU'].map((userId) => s.api('POST', '/sandbox/slack/actions', { channel: listed.channel, ts: listed.ts, actionId: 'judgment:continue', userId })),
    );
    expect(clicks.map((c) => c.status)).toEqual([200, 200]);
    const loser = await waitFor('an "already" ephemeral', async () => {
      for (const userId of ['U0SANDBOXALICE', 'U0SANDBOXYOU']) {
        const m = await s.api('GET', `/sandbox/slack/messages?channel=deploys&userId=${userId}`);
        const e = (m.body.ephemerals as any[]).find((x) => /already/.test(String(x.text)));
        if (e) return { userId, text: String(e.text) };
      }
      return null;
    }, 30_000);
    expect(loser.text).toMatch(/<@U0SANDBOX\w+>/); // the raw wire text has Slack syntax…
    expect(loser.text).toMatch(/<!date\^/);
    await page.getByLabel('Click as').selectOption(loser.userId);
    const answer = page.locator('.sandbox-ephemeral', { hasText: 'already' });
    await seeText(answer, /already approved by @(you|alice)/);
    expect((await answer.textContent()) ?? '').not.toMatch(/<@U|<!date|U0SANDBOX/); // …the page shows names and dates
  }, 120_000);

  it('Settings shows the sandbox connection, its scopes and a manifest that the copy button copies', async () => {
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.service.url });
    await page.goto(`${s.service.url}/#/settings`);
    await seeText(page.getByTestId('slack-mode'), 'Sandbox');
    await seeText(page.getByTestId('slack-status'), 'Connected');
    await seeText(page.locator('dd', { hasText: 'chat:write' }), 'users:read.email');
    await seeText(page.getByLabel('Slack app manifest'), `request_url: ${s.config.server.publicUrl}/notifications/callbacks/slack`);
    await page.getByRole('button', { name: 'Copy manifest' }).click();
    await seeText(page.getByRole('status').filter({ hasText: 'Manifest' }), 'copied');
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toContain('socket_mode_enabled: false');
    await page.screenshot({ path: join(SHOTS, 'settings.png'), fullPage: true });
  }, 120_000);
  it('opens on the channel with the newest message, not the alphabetically first one', async () => {
    const early = JSON.parse(JSON.stringify(EXAMPLE));
    early.application = 'alpha';
    for (const st of early.stages) for (const n of st.notifications ?? []) n.address = '#alpha';
    expect((await s.api('POST', '/pipelines', early)).status).toBe(200);
    expect((await s.api('POST', '/pipelines/alpha/Deploy', { user: 'you@example.com', parameters: { version: '0.0.1' } })).status).toBe(202);
    await waitFor('a message in #alpha', async () => ((await s.api('GET', '/sandbox/slack/channels')).body.channels as any[]).some((c) => c.name === 'alpha'));
    await trigger('9.9.9');
    await waitFor('the 9.9.9 message in #deploys', async () => {
      const m = await s.api('GET', '/sandbox/slack/messages?channel=deploys');
      return (m.body.messages as any[]).some((x) => JSON.stringify(x.blocks).includes('9.9.9'));
    });
    await page.goto(`${s.service.url}/#/settings`);
    await page.goto(`${s.service.url}/#/slack-sandbox`);
    await page.reload();
    await seeAttribute(page.getByRole('button', { name: /^#deploys/ }), 'aria-current', 'true');
    await seeText(page.locator('article.sandbox-message').last(), '9.9.9');
  }, 120_000);
});
