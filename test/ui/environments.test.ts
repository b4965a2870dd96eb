/**
 * The environments view (managed delivery) in a real browser (Debian's Chromium through playwright-core) against a
 * real service on loopback with the fake Slack Web API: no delivery config → told how to submit one; a config
 * (test → prod with depends-on and manual-judgement) and a version → deployed to test, prod PENDING with
 * Approve / Reject; approved in the UI behind keel's confirm question → prod's deploy pipeline runs → CURRENT, the
 * Slack message replaced by the outcome, the constraint history naming the judge; a judgement someone else made
 * first (a Slack click) answers the UI's late click with who decided; pin, unpin and mark as bad from the UI move
 * the cells.
 *
 * Screenshots go to a temporary folder, or to `SLACKOPS_SCREENSHOTS`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { launchBrowser, seeText, seeVisible, type TestBrowser } from '../support/browser.js';
import { clickJudgement, deployExecutions, judgementPosts, messageFor, register, setUp, stateOf } from '../managed/support.js';

const SHOTS = process.env.SLACKOPS_SCREENSHOTS ? resolve(process.env.SLACKOPS_SCREENSHOTS) : mkdtempSync(join(tmpdir(), 'slackops-shots-'));
/** Generous: a browser and a service on a loaded 2-core machine; the waits inside poll and pass as soon as they can. */
const TEST_TIMEOUT_MS = 120_000;

let h: Harness;
let b: TestBrowser;
let page: Page;

async function shot(name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The cell of `version` in `env`. */
function cell(env: string, version: string) {
  return page.locator(`td[data-env="${env}"][data-version="${version}"]`);
}

describe('web UI: the environments view of managed delivery, in Chromium', () => {
  beforeAll(async () => {
    h = await startHarness();
    b = await launchBrowser({ viewport: { width: 1400, height: 1000 } });
    page = b.page;
  }, 90_000);
  afterAll(async () => {
    await b?.close();
    await h?.close();
  });

  it('without a delivery config says so and shows how to submit one; the view appears once one is applied', async () => {
    await page.goto(`${h.service.url}/#/applications/checkout/pipelines`);
    await page.getByLabel('Acting as').fill('alice@example.com');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).click();
    await page.waitForURL(/#\/applications\/checkout\/environments$/);
    await seeText(page.getByRole('heading', { level: 1 }), 'checkout: environments');
    await seeText(page.getByRole('region', { name: 'No delivery config' }), 'has no delivery config');
    await seeText(page.getByLabel('Submit command'), 'slackops delivery apply -f spinnaker.yml');

    await setUp(h);
    // Polling: the page turns into the (empty) table without a reload.
    await seeText(page.locator('table.env-table caption'), 'checkout-api');
    await seeText(page.locator('table.env-table'), 'No versions registered yet');
    await seeText(page.locator('th.env-head').nth(1), 'depends on test · manual judgement (times out after P5D)');
  }, TEST_TIMEOUT_MS);

  it('a version deploys to test, awaits judgement for prod, is approved in the UI, deploys to prod; Slack follows', async () => {
    await register(h, '1.0.0');
    await seeText(cell('test', '1.0.0'), 'CURRENT');
    await seeText(cell('prod', '1.0.0'), 'PENDING');
    await seeText(page.locator('tr[data-version="1.0.0"] th'), 'abc100def012'); // git metadata: commit
    await seeText(page.locator('tr[data-version="1.0.0"] th'), 'Release 1.0.0');
    await seeVisible(page.locator('tr[data-version="1.0.0"] th').getByRole('link', { name: '#17' })); // build link
    await seeText(page.getByRole('region', { name: 'Pending judgements' }), '1.0.0 of checkout-api awaits judgement for prod');
    const approve = page.getByRole('button', { name: 'Approve 1.0.0 for prod' });
    await seeVisible(approve);
    await seeVisible(page.getByRole('button', { name: 'Reject 1.0.0 for prod' }));
    await waitFor('the judgement message posted', () => judgementPosts(h).length === 1, 15_000);
    await shot('environments-pending');

    // Cancelling the confirm dialog does nothing.
    await approve.click();
    const dialog = page.getByRole('dialog', { name: 'Approve' });
    await seeText(dialog, 'Are you sure you want to promote version 1.0.0 to prod?');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await stateOf(h, 'prod', '1.0.0')).toBe('PENDING');

    await approve.click();
    await dialog.getByLabel('Comment (optional)').fill('ship it');
    await dialog.getByRole('button', { name: 'Yes, promote' }).click();
    await seeText(page.getByRole('status'), 'Approved 1.0.0 for prod.');
    await seeText(cell('prod', '1.0.0'), 'CURRENT', 30_000);
    await seeText(cell('prod', '1.0.0'), 'Approved by alice@example.com');
    const deploys = await deployExecutions(h);
    expect(deploys.filter((e) => e.trigger.parameters.environment === 'prod').map((e) => [e.status, e.trigger.parameters.artifactVersion])).toEqual([['SUCCEEDED', '1.0.0']]);

    const history = page.getByRole('region', { name: 'Constraint history: prod' });
    const row = history.locator('tr[data-version="1.0.0"]');
    await seeText(row, 'OVERRIDE_PASS');
    await seeText(row, 'alice@example.com');
    await seeText(row, 'ship it');

    await waitFor('the Slack message replaced by the outcome', () => {
      const m = JSON.stringify(messageFor(h, '1.0.0')?.blocks ?? []);
      return m.includes('Approved by alice@example.com') && !m.includes('managed:approve');
    }, 15_000);
    expect(judgementPosts(h)).toHaveLength(1);
    await shot('environments-approved');
  }, TEST_TIMEOUT_MS);

  it('a waiting cell says why in words: the version failed to deploy to test', async () => {
    await register(h, '1.0.1-bad');
    await seeText(cell('test', '1.0.1-bad'), 'SKIPPED', 30_000);
    const why = cell('prod', '1.0.1-bad').getByRole('list', { name: 'Why 1.0.1-bad waits in prod' });
    await seeText(why, '✖ depends-on: 1.0.1-bad failed to deploy to test', 30_000);
    await seeText(why, '○ manual-judgement: not asked yet');
  }, TEST_TIMEOUT_MS);

  it('a late click in the UI after a Slack approval says who decided', async () => {
    await register(h, '1.1.0');
    await seeText(cell('prod', '1.1.0'), 'PENDING', 30_000);
    await page.getByRole('button', { name: 'Reject 1.1.0 for prod' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reject' });
    await seeText(dialog, 'Are you sure you want to reject version 1.1.0 for prod?');
    await clickJudgement(h, '1.1.0', 'managed:approve', { id: 'U0BOB', name: 'bob' });
    await waitFor('bob approved', async () => (await h.api('GET', '/managed/application/checkout/environment/prod/constraints')).body.some((s: any) => s.artifactVersion === '1.1.0' && s.status === 'OVERRIDE_PASS'));
    await dialog.getByRole('button', { name: 'Yes, reject' }).click();
    await seeText(dialog.getByRole('alert'), 'already judged OVERRIDE_PASS by bob@example.com');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await seeText(cell('prod', '1.1.0'), 'CURRENT', 30_000);
    await seeText(cell('prod', '1.0.0'), 'PREVIOUS');
  }, TEST_TIMEOUT_MS);

  it('pin, unpin and mark as bad from the UI change the cells', async () => {
    await page.getByRole('button', { name: 'Pin prod to 1.0.0' }).click();
    const pin = page.getByRole('dialog', { name: 'Pin' });
    await pin.getByLabel('Comment (why; shown to others)').fill('freeze for the sale');
    await pin.getByRole('button', { name: 'Pin', exact: true }).click();
    await seeText(cell('prod', '1.0.0'), 'CURRENT', 30_000);
    await seeText(cell('prod', '1.0.0'), 'Pinned by alice@example.com: “freeze for the sale”');
    await seeText(cell('prod', '1.1.0'), 'PREVIOUS');
    await seeText(page.locator('th.env-head').nth(1), 'Pinned to 1.0.0 by alice@example.com');
    await shot('environments-pinned');

    await page.getByRole('button', { name: 'Unpin prod' }).click();
    await page.getByRole('dialog', { name: 'Unpin' }).getByRole('button', { name: 'Unpin', exact: true }).click();
    await seeText(cell('prod', '1.1.0'), 'CURRENT', 30_000);
    await waitFor('the pin gone from the header', async () => !(await page.locator('th.env-head').nth(1).innerText()).includes('Pinned to'));

    await page.getByRole('button', { name: 'Mark 1.1.0 as bad in prod' }).click();
    const veto = page.getByRole('dialog', { name: 'Mark as bad' });
    await seeText(veto, 'Mark version 1.1.0 as bad in prod?');
    await veto.getByLabel('Comment (why; shown to others)').fill('memory leak');
    await veto.getByRole('button', { name: 'Mark as bad', exact: true }).click();
    await seeText(cell('prod', '1.1.0'), 'VETOED', 30_000);
    await seeText(cell('prod', '1.1.0'), 'Marked as bad by alice@example.com: “memory leak”');
    await seeText(cell('prod', '1.0.0'), 'CURRENT', 30_000); // rolled back
    await seeText(cell('test', '1.1.0'), 'CURRENT'); // test untouched
    expect(await stateOf(h, 'prod', '1.1.0')).toBe('VETOED');
    await shot('environments-vetoed');
  }, TEST_TIMEOUT_MS);
});
