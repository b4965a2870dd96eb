/**
 * The seed's clicks in a real browser (Debian's Chromium through playwright-core) against a real service on
 * loopback with the fake Slack Web API: create an application, build wait → manual judgment (Slack notification)
 * → wait in the Pipeline Builder only, see a validation error at its field, save, trigger with a parameter, see
 * the execution await judgment and the Slack message posted, approve in the UI (message updated, execution
 * SUCCEEDED, who judged shown), a second run rejected, the Slack message's deep link opening the stage, and
 * instructions (Slack mrkdwn) rendered without running a <script> or raw HTML.
 *
 * Screenshots go to a temporary folder, or to `SLACKOPS_SCREENSHOTS` (the README's come from
 * `SLACKOPS_SCREENSHOTS=docs/screenshots npx vitest run test/ui/builder.test.ts`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { launchBrowser, seeAttribute, seeText, seeVisible, type TestBrowser } from '../support/browser.js';

const SHOTS = process.env.SLACKOPS_SCREENSHOTS ? resolve(process.env.SLACKOPS_SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'slackops-shots-'));
/** Generous: a browser and a service on a loaded 2-core machine; the waits inside poll and pass as soon as they can. */
const TEST_TIMEOUT_MS = 120_000;
const APP = 'checkout';
const PIPELINE = 'Deploy to production';

let h: Harness;
let b: TestBrowser;
let page: Page;

async function shot(name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The execution id from the current `#/applications/{app}/executions/details/{id}` URL. */
function executionIdFromUrl(): string {
  const m = /executions\/details\/([^?/]+)/.exec(page.url());
  if (!m) throw new Error(`not on an execution page: ${page.url()}`);
  return decodeURIComponent(m[1]!);
}

async function triggerFromPipelines(version: string): Promise<string> {
  await page.goto(`${h.service.url}/#/applications/${APP}/pipelines`);
  await page.getByRole('row', { name: new RegExp(PIPELINE) }).getByRole('button', { name: 'Start manual execution' }).click();
  const form = page.getByRole('form', { name: `Trigger ${PIPELINE}` });
  await form.getByRole('button', { name: 'Run' }).click();
  await seeText(form.getByRole('alert'), /required/); // the required parameter is checked before sending
  await form.getByLabel('version').fill(version);
  await form.getByLabel('region').selectOption('us-east-1'); // options become a select
  await form.getByRole('button', { name: 'Run' }).click();
  await page.waitForURL(/executions\/details\//);
  return executionIdFromUrl();
}

describe('web UI: the seed flow through the builder, in Chromium', () => {
  beforeAll(async () => {
    h = await startHarness();
    b = await launchBrowser();
    page = b.page;
  }, 90_000);
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('creates an application and builds wait → manual judgment → wait, with an error shown at its field', async () => {
    await page.goto(`${h.service.url}/#/applications`);
    await page.getByLabel('Acting as').fill('alice@example.com');
    await page.getByLabel('Application name').fill(APP);
    await page.getByLabel('Owner email').fill('team@example.com');
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.waitForURL(new RegExp(`#/applications/${APP}/pipelines$`));

    await page.getByRole('link', { name: 'Configure a new pipeline' }).click();
    await page.getByLabel('Pipeline name').fill(PIPELINE);
    await page.getByRole('button', { name: 'Add parameter' }).click();
    await page.getByLabel('Parameter name').fill('version');
    await page.getByRole('group', { name: 'Parameter 1' }).getByLabel('Required').check();
    await page.getByRole('button', { name: 'Add parameter' }).click();
    const region = page.getByRole('group', { name: 'Parameter 2' });
    await region.getByLabel('Parameter name').fill('region');
    await region.getByLabel('Options (comma-separated)').pressSequentially('eu-west-1, us-east-1');

    // Stage 1: wait
    await page.getByLabel('New stage type').selectOption({ label: 'Wait' });
    await page.getByRole('button', { name: 'Add stage' }).click();
    await page.getByLabel('Wait time (seconds)').fill('0');

    // Stage 2: manual judgment with a Slack notification
    await page.getByLabel('New stage type').selectOption({ label: 'Manual Judgment' });
    await page.getByRole('button', { name: 'Add stage' }).click();
    await page.getByLabel('Stage name').fill('Approve production');
    await page
      .getByLabel('Instructions (Slack mrkdwn)')
      .fill('Deploy *${parameters.version}* to production?\n\n<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">');
    const preview = page.getByRole('region', { name: 'Instructions preview' });
    await seeText(preview.locator('strong'), '${parameters.version}');
    await page.getByRole('button', { name: 'Add judgment input' }).click();
    await page.getByLabel('Judgment input 1').fill('Deploy now');
    await page.getByLabel('Send notifications').check();
    await page.getByRole('button', { name: 'Add Notification Preference' }).click();
    await page.getByLabel('Notify via').selectOption('slack');
    await page.getByLabel('This stage is awaiting judgment').check();
    await page.getByLabel('This stage was judged to continue').check();
    await page.getByLabel('This stage was judged to stop').check();
    // Raw HTML in the instructions is neither rendered nor run.
    expect(await preview.locator('script, img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    // Stage 3: wait after the judgment
    await page.getByLabel('New stage type').selectOption({ label: 'Wait' });
    await page.getByRole('button', { name: 'Add stage' }).click();
    await page.getByLabel('Stage name').fill('Soak');
    await page.getByLabel('Wait time (seconds)').fill('0');

    // Saving with the Slack channel left empty: the API's error appears at that field.
    await page.getByRole('button', { name: 'Save changes' }).click();
    await seeText(page.getByRole('alert').filter({ hasText: 'Not saved' }), 'stages[1].notifications[0].address');
    await page.getByRole('button', { name: /^Approve production Manual Judgment/ }).click();
    const channel = page.getByLabel('Slack channel');
    await seeText(channel.locator('xpath=..').locator('.field-error'), /expected the channel/);
    await channel.fill('#deploys');

    // The Slack preview: the service's own Block Kit for this stage, rendered in the page.
    const slackPreview = page.getByRole('region', { name: 'Slack preview' });
    await seeText(slackPreview, 'Deploy now');
    await seeText(slackPreview, 'Reject');
    await slackPreview.scrollIntoViewIfNeeded();
    await slackPreview.screenshot({ path: join(SHOTS, 'slack-preview.png') });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/pipelines\/Deploy%20to%20production\/edit$/);
    await seeText(page.getByRole('status'), 'Saved');
    await page.getByRole('button', { name: /^Approve production Manual Judgment/ }).click();
    await seeText(page.getByRole('region', { name: 'Slack preview' }), 'Deploy now');
    await shot('builder');

    const saved = await h.api('GET', `/applications/${APP}/pipelineConfigs/${encodeURIComponent(PIPELINE)}`);
    expect(saved.status).toBe(200);
    expect(saved.body.stages.map((s: { type: string; refId: string; requisiteStageRefIds: string[] }) => [s.type, s.refId, s.requisiteStageRefIds])).toEqual([
      ['wait', '1', []],
      ['manualJudgment', '2', ['1']],
      ['wait', '3', ['2']],
    ]);
    expect(saved.body.stages[1]).toMatchObject({
      sendNotifications: true,
      judgmentInputs: [{ value: 'Deploy now' }],
      notifications: [{ type: 'slack', address: '#deploys', when: ['manualJudgment', 'manualJudgmentContinue', 'manualJudgmentStop'] }],
    });
    expect(saved.body.parameterConfig).toEqual([
      expect.objectContaining({ name: 'version', required: true }),
      expect.objectContaining({ name: 'region', hasOptions: true, options: [{ value: 'eu-west-1' }, { value: 'us-east-1' }] }),
    ]);

    // The JSON tab edits the same pipeline: a change there shows in the stage list and is saved.
    await page.getByRole('tab', { name: 'JSON' }).click();
    const json = page.getByLabel('Pipeline JSON');
    const text = await json.inputValue();
    expect(JSON.parse(text).stages[1].type).toBe('manualJudgment');
    await json.fill(text.replace('"name": "Soak"', '"name": "Soak a while"'));
    await page.getByRole('tab', { name: 'Stages' }).click();
    await seeVisible(page.getByRole('button', { name: /^Soak a while Wait/ }));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await seeText(page.getByRole('status'), 'Saved');
    await waitFor('the JSON edit saved', async () => {
      const r = await h.api('GET', `/applications/${APP}/pipelineConfigs/${encodeURIComponent(PIPELINE)}`);
      return r.body.stages[2].name === 'Soak a while';
    });
  }, TEST_TIMEOUT_MS);

  it('triggers with a parameter, shows the execution awaiting, approves it in the UI and the Slack message follows', async () => {
    const id = await triggerFromPipelines('1.2.3');
    const judgment = page.getByRole('region', { name: 'Manual judgment' });
    await seeVisible(judgment);
    await seeText(page.locator('[data-refid="2"]'), 'AWAITING JUDGMENT');
    await seeText(judgment.locator('strong').first(), '1.2.3'); // instructions evaluated, mrkdwn rendered
    await seeText(judgment, 'Who may judge');
    const posted = await h.judgmentMessage('#deploys');
    await shot('execution-awaiting-judgment');

    await judgment.getByRole('button', { name: /Approve/ }).click();
    await seeText(judgment.getByRole('status'), 'Approved (Deploy now) by alice@example.com');
    await seeText(page.getByRole('heading', { level: 1 }), 'SUCCEEDED');
    await waitFor('the Slack message updated', () => (h.slack.message(posted.channel, posted.ts)?.updates ?? 0) > 0, 15_000);
    expect(JSON.stringify(h.slack.message(posted.channel, posted.ts)!.blocks)).toContain('alice@example.com');

    const e = await h.api('GET', `/pipelines/${id}`);
    expect(e.body.status).toBe('SUCCEEDED');
    expect(e.body.trigger).toMatchObject({ user: 'alice@example.com', parameters: { version: '1.2.3', region: 'us-east-1' } });
  }, TEST_TIMEOUT_MS);

  it('a second run rejected in the UI ends TERMINAL and says who rejected', async () => {
    h.slack.reset();
    const id = await triggerFromPipelines('1.2.4');
    const judgment = page.getByRole('region', { name: 'Manual judgment' });
    await judgment.getByLabel('Reason (optional, recorded with a rejection)').fill('not today');
    await judgment.getByRole('button', { name: /Reject/ }).click();
    await seeText(judgment.getByRole('status'), 'Rejected by alice@example.com');
    await seeText(judgment.getByRole('status'), 'not today');
    await seeText(page.getByRole('heading', { level: 1 }), 'TERMINAL');
    await seeText(page.locator('[data-refid="3"]'), 'NOT_STARTED');
    expect((await h.api('GET', `/pipelines/${id}`)).body.status).toBe('TERMINAL');
  }, TEST_TIMEOUT_MS);

  it("the Slack message's deep link opens the execution at its judgment stage", async () => {
    h.slack.reset();
    await triggerFromPipelines('1.2.5');
    const posted = await h.judgmentMessage('#deploys');
    const link = /https:\/\/slackops\.example\.com(\/#\/applications\/[^"|>\s]+)/.exec(JSON.stringify(posted.blocks))?.[1];
    expect(link).toMatch(/executions\/details\/.+\?refId=2$/);
    await page.goto('about:blank');
    await page.goto(`${h.service.url}${link!.replace(/\\u0026/g, '&')}`);
    await seeAttribute(page.locator('[data-refid="2"]'), 'aria-pressed', 'true');
    await seeVisible(page.getByRole('article', { name: 'Stage Approve production' }));
    await seeVisible(page.getByRole('region', { name: 'Manual judgment' }).getByRole('button', { name: /Approve/ }));

    // Another refId in the link opens that stage instead.
    await page.goto(page.url().replace('refId=2', 'refId=1'));
    await seeVisible(page.getByRole('article', { name: 'Stage Wait' }));
  }, TEST_TIMEOUT_MS);

  it('draws branches and joins: parallel stages share a column, a join sits after both', async () => {
    const stage = (refId: string, ups: string[]) => ({ refId, requisiteStageRefIds: ups, type: 'wait', name: `Step ${refId}`, waitTime: 0 });
    const save = await h.api('POST', '/pipelines', { application: APP, name: 'Fan out', stages: [stage('1', []), stage('2', ['1']), stage('3', ['1']), stage('4', ['2', '3'])] });
    expect(save.status).toBe(200);
    const ref = (await h.api('POST', `/pipelines/${APP}/Fan%20out`, {})).body.ref as string;
    await page.goto(`${h.service.url}/#/applications/${APP}/executions/details/${ref.split('/').pop()}`);
    await seeText(page.getByRole('heading', { level: 1 }), 'SUCCEEDED');
    const box = async (r: string) => (await page.locator(`[data-refid="${r}"]`).boundingBox())!;
    const [b1, b2, b3, b4] = [await box('1'), await box('2'), await box('3'), await box('4')];
    expect(b2.x).toBe(b3.x); // the two branches side by side in one column
    expect(b2.y).not.toBe(b3.y);
    expect(b2.x).toBeGreaterThan(b1.x);
    expect(b4.x).toBeGreaterThan(b2.x); // the join after both
    expect(await page.locator('.graph .edges path').count()).toBe(4);
    await shot('execution-branches');

    await page.goto(`${h.service.url}/#/applications/${APP}/executions`);
    await seeText(page.getByRole('table'), 'Fan out');
    await shot('executions');
    await page.goto(`${h.service.url}/#/applications/${APP}/pipelines`);
    await seeText(page.getByRole('row', { name: /Deploy to production/ }), 'AWAITING JUDGMENT'); // the deep-link run waits
    await shot('pipelines');
  }, TEST_TIMEOUT_MS);
});

