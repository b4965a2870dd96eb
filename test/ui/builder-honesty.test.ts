/**
 * What a newcomer found in the web UI, in Chromium against a real service on loopback: the builder never says
 * "Saved" for something it did not save (invalid JSON in the JSON tab or a JSON field refuses Save, and the JSON tab
 * cannot be left while it does not parse); "Send notifications" shows what the service will do; a new notification
 * preference starts at "awaiting judgment" and an empty one is flagged; instructions are Slack mrkdwn in the
 * builder's preview and in the judgment panel, where a parameter can plant neither a link nor an image; the stage
 * list follows the dependency graph; pages have titles; long names wrap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { judgmentPipeline, startHarness, type Harness } from '../support/harness.js';
import { launchBrowser, seeText, seeVisible, type TestBrowser } from '../support/browser.js';

const TEST_TIMEOUT_MS = 120_000;
const APP = 'honest';

let h: Harness;
let b: TestBrowser;
let page: Page;

async function save(config: Record<string, unknown>) {
  const r = await h.api('POST', '/pipelines', config);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}
async function config(name: string) {
  return (await h.api('GET', `/applications/${APP}/pipelineConfigs/${encodeURIComponent(name)}`)).body;
}
async function openBuilder(name: string) {
  await page.goto(`${h.service.url}/#/applications/${APP}/pipelines/${encodeURIComponent(name)}/edit`);
  await seeVisible(page.getByLabel('Pipeline name'));
}
const builderStatus = () => page.locator('.saved[role="status"]');

describe('web UI: the builder and judgment panel say only what is true', () => {
  beforeAll(async () => {
    h = await startHarness();
    b = await launchBrowser({ viewport: { width: 1000, height: 900 } });
    page = b.page;
    await page.goto(`${h.service.url}/#/applications`);
    await page.getByLabel('Acting as').fill('alice@example.com');
  }, 90_000);
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('refuses Save and leaving the JSON tab while the JSON does not parse, and never says Saved for it', async () => {
    await save(judgmentPipeline({ application: APP, name: 'json-tab' }));
    await openBuilder('json-tab');
    await page.getByRole('tab', { name: 'JSON' }).click();
    const json = page.getByLabel('Pipeline JSON');
    const good = await json.inputValue();
    await json.fill(good.replace('"name": "Soak"', '"name": "Soak longer"'));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await seeText(builderStatus(), 'Saved');
    expect((await config('json-tab')).stages[1].name).toBe('Soak longer');

    await json.fill(good.replace('"name": "Soak"', '"name": "Soak forever",,'));
    expect(await builderStatus().textContent()).not.toContain('Saved'); // on screen is no longer what was saved
    await page.getByRole('button', { name: 'Save changes' }).click();
    await seeText(page.getByRole('alert').filter({ hasText: 'Not saved' }), /“Pipeline JSON” doesn't parse/);
    expect(await builderStatus().textContent()).not.toContain('Saved');
    expect((await config('json-tab')).stages[1].name).toBe('Soak longer');

    // Switching to Stages would drop the edit: refused, with the reason.
    await page.getByRole('tab', { name: 'Stages' }).click();
    await seeText(page.getByRole('alert').filter({ hasText: 'JSON tab' }), /doesn't parse/);
    expect(await page.getByRole('tab', { name: 'JSON' }).getAttribute('aria-selected')).toBe('true');
    expect(await json.inputValue()).toContain('Soak forever');

    await json.fill(good.replace('"name": "Soak"', '"name": "Soak forever"'));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await seeText(builderStatus(), 'Saved');
    expect((await config('json-tab')).stages[1].name).toBe('Soak forever');
  }, TEST_TIMEOUT_MS);

  it("refuses Save while a webhook's Payload (JSON) does not parse", async () => {
    await save({
      application: APP,
      name: 'hook',
      stages: [{ refId: '1', type: 'webhook', name: 'Call', url: 'https://example.com/hook', method: 'POST', payload: { version: 1 } }],
    });
    await openBuilder('hook');
    const payload = page.getByLabel('Payload (JSON)');
    await payload.fill('{"version": 2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await seeText(page.getByRole('alert').filter({ hasText: 'Not saved' }), /“Payload \(JSON\)” doesn't parse/);
    expect(await builderStatus().textContent()).not.toContain('Saved');
    expect((await config('hook')).stages[0].payload).toEqual({ version: 1 });
    await payload.fill('{"version": 2}');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await seeText(builderStatus(), 'Saved');
    expect((await config('hook')).stages[0].payload).toEqual({ version: 2 });
  }, TEST_TIMEOUT_MS);

  it('shows Send notifications ticked when the service will notify, without writing sendNotifications by itself', async () => {
    const pipeline = judgmentPipeline({ application: APP, name: 'notify' });
    delete (pipeline.stages[0] as Record<string, unknown>).sendNotifications; // as in docs/example-pipeline.json
    await save(pipeline);
    await openBuilder('notify');
    await page.getByRole('button', { name: /^Approve production Manual Judgment/ }).click();
    const send = page.getByLabel('Send notifications');
    expect(await send.isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await seeText(builderStatus(), 'Saved');
    const saved = (await config('notify')).stages[0];
    expect(saved).not.toHaveProperty('sendNotifications');
    expect(saved.notifications).toHaveLength(1);

    // A new preference starts at "awaiting judgment"; with nothing ticked the builder says it would never post.
    await page.getByRole('button', { name: 'Add Notification Preference' }).click();
    const second = page.getByRole('group', { name: 'Notification preference 2' });
    expect(await second.getByLabel('This stage is awaiting judgment').isChecked()).toBe(true);
    await second.getByLabel('This stage is awaiting judgment').uncheck();
    await seeText(second.getByRole('alert'), 'never posts');
  }, TEST_TIMEOUT_MS);

  it('lists stages in graph order without reorder arrows, titles the page, and wraps long names', async () => {
    const long = `stage-${'x'.repeat(180)}`;
    await save({
      application: APP,
      name: 'order',
      stages: [
        { refId: 'b', requisiteStageRefIds: ['a'], type: 'wait', name: 'Second', waitTime: 1 },
        { refId: 'a', type: 'wait', name: long, waitTime: 1 },
      ],
    });
    await openBuilder('order');
    const items = page.getByRole('complementary', { name: 'Stages' }).locator('.stage-pick strong');
    await seeText(items.first(), long);
    expect(await items.allTextContents()).toEqual([long, 'Second']);
    expect(await page.getByRole('button', { name: /^Move / }).count()).toBe(0);
    expect(await page.title()).toBe(`Edit order · ${APP} · SlackOps`);
    const widths = await page.evaluate(() => {
      const w = globalThis as unknown as { document: { documentElement: { scrollWidth: number } }; innerWidth: number };
      return { page: w.document.documentElement.scrollWidth, view: w.innerWidth };
    });
    expect(widths.page).toBeLessThanOrEqual(widths.view);
  }, TEST_TIMEOUT_MS);

  it('renders instructions as Slack mrkdwn; in the judgment panel a parameter plants no link or image', async () => {
    const pipeline = judgmentPipeline(
      { application: APP, name: 'links', parameterConfig: [{ name: 'version', required: true }, { name: 'note', default: '' }] },
      {
        instructions: 'Deploy *${parameters.version}*, see <https://docs.example.com/runbook|the runbook>. Note: ${parameters.note}',
        notifications: [],
        sendNotifications: false,
      },
    );
    await save(pipeline);
    await openBuilder('links');
    await page.getByRole('button', { name: /^Approve production Manual Judgment/ }).click();
    const preview = page.getByRole('region', { name: 'Instructions preview' });
    await seeText(preview.locator('strong'), '${parameters.version}');
    await seeText(preview.getByRole('link', { name: 'the runbook' }), 'the runbook');
    await page.getByLabel('Instructions (Slack mrkdwn)').fill('**double** and [md](https://example.com/md)');
    await seeText(preview, '**double**'); // as Slack shows it: mrkdwn has no ** nor [text](url)
    expect(await preview.locator('a').count()).toBe(0);

    const note = '[Click here](https://evil.example.com/a) <https://evil.example.com/b|Click me> ![x](https://evil.example.com/c.png) https://evil.example.com/d';
    const r = await h.api('POST', `/pipelines/${APP}/links`, { user: 'bob@example.com', parameters: { version: '9.9.9', note } });
    expect(r.status).toBe(202);
    const id = String(r.body.ref).split('/').pop()!;
    await page.goto(`${h.service.url}/#/applications/${APP}/executions/details/${id}`);
    const judgment = page.getByRole('region', { name: 'Manual judgment' });
    await seeText(judgment.locator('strong').first(), '9.9.9');
    await seeVisible(judgment.getByRole('link', { name: 'the runbook' }));
    await seeText(judgment, 'Click here');
    expect(await judgment.locator('a[href*="evil"]').count()).toBe(0);
    expect(await judgment.locator('img').count()).toBe(0);
    expect(await page.title()).toBe(`Execution ${id} · ${APP} · SlackOps`);
    await judgment.getByRole('button', { name: /Approve/ }).click();
    await seeText(judgment.locator('[role="status"][aria-live="polite"]'), 'Approved'); // announced to screen readers
  }, TEST_TIMEOUT_MS);
});
