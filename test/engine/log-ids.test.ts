/**
 * Structured logs: every engine, notification and Slack-click log line about an execution carries its
 * `executionId`, and every line about a stage its `stageId` — so one query finds everything about one execution.
 * The real service writes JSON lines (pino) to a destination the test reads; the run goes through a Slack approval
 * (with a rate-limited post and a failing update, so retries and failures are logged too), a cancel and a judgment
 * through the API.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_TOKEN, SIGNING_SECRET, judgmentPipeline, startHarness, waitFor, type Harness } from '../support/harness.js';

type Line = Record<string, unknown> & { msg?: string; component?: string; executionId?: string; stageId?: string; level: number };

/** A pino logger at debug level whose JSON lines land in `lines`. */
function capturingLogger(): { logger: pino.Logger; lines: Line[]; raw: string[] } {
  const lines: Line[] = [];
  const raw: string[] = [];
  let pending = '';
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      }
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, dest), lines, raw };
}

/** Lines of the loops themselves (not about one execution): the only engine/notification lines without ids. */
const LOOP_LINES = new Set(['engine loop error', 'notification loop error', 'slack interaction loop error']);

/** Messages that are about one stage (besides any line whose queue message or outbox item names a stage). */
const STAGE_MESSAGES = new Set(['stage started', 'stage completed', 'awaiting judgment', 'judgment decided', 'judgment attempt', 'slack click processed']);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function trigger(h: Harness): Promise<string> {
  const res = await h.api('POST', '/pipelines/checkout/Deploy to production', { user: 'carol@example.com', parameters: { version: '1.2.3' } });
  expect(res.status).toBe(202);
  return (res.body as { ref: string }).ref.replace('/pipelines/', '');
}

async function statusOf(h: Harness, id: string): Promise<string> {
  return ((await h.api('GET', `/pipelines/${id}`)).body as { status: string }).status;
}

describe('log lines about an execution carry its ids', () => {
  it('engine, notifications and Slack clicks: executionId on every line, stageId on every stage line', async () => {
    const { logger, lines, raw } = capturingLogger();
    h = await startHarness({ logger });
    const saved = await h.api('POST', '/pipelines', judgmentPipeline());
    expect(saved.status).toBe(200);
    const pipelineConfigId = (saved.body as { id: string }).id;

    // 1: approved from Slack; the first post is rate limited and the message update fails for good.
    h.slack.failNext('chat.postMessage', 1, { status: 429, retryAfterSec: 1 });
    h.slack.failNext('chat.update', 1, { error: 'channel_not_found' });
    const approved = await trigger(h);
    await h.judgmentMessage();
    expect((await h.click('judgment:continue')).status).toBe(200);
    await waitFor('the approved execution to succeed', async () => (await statusOf(h!, approved)) === 'SUCCEEDED');

    // 2: canceled through the API while awaiting judgment.
    const canceled = await trigger(h);
    await waitFor('the second judgment to await', async () => ((await h!.api('GET', `/pipelines/${canceled}`)).body as any).stages[0].status === 'RUNNING');
    expect((await h.api('PUT', `/pipelines/${canceled}/cancel?reason=test`, undefined, { 'X-SPINNAKER-USER': 'bob@example.com' })).status).toBe(200);
    await waitFor('the cancel', async () => (await statusOf(h!, canceled)) === 'CANCELED');

    // 3: rejected through the API PATCH.
    const rejected = await trigger(h);
    await waitFor('the third judgment to await', async () => ((await h!.api('GET', `/pipelines/${rejected}`)).body as any).stages[0].status === 'RUNNING');
    const patched = await h.api('PATCH', `/pipelines/${rejected}/stages/1`, { judgmentStatus: 'stop' }, { 'X-SPINNAKER-USER': 'alice@example.com' });
    expect(patched.status).toBe(200);
    await waitFor('the rejection', async () => (await statusOf(h!, rejected)) === 'TERMINAL');
    // Let the deliveries (updates, thread replies) finish and be logged.
    await waitFor('the outbox to drain', async () => {
      const text = await (await fetch(`${h!.service.url}/metrics`)).text();
      return /^slackops_outbox_depth 0$/m.test(text);
    });

    const ids = new Set([approved, canceled, rejected]);
    const ours = lines.filter((l) => l.component === 'engine' || l.component === 'notifications' || l.component === 'interactions');
    // Enough lines of each part were written for the checks below to mean something.
    for (const component of ['engine', 'notifications', 'interactions']) expect(ours.filter((l) => l.component === component).length).toBeGreaterThan(0);
    expect(ours.length).toBeGreaterThan(40);

    const withoutExecution = ours.filter((l) => !LOOP_LINES.has(String(l.msg)) && typeof l.executionId !== 'string');
    expect(withoutExecution).toEqual([]);
    // Every id is one of ours (no line names some other, wrong id).
    expect(ours.filter((l) => !ids.has(String(l.executionId))).map((l) => l.msg)).toEqual([]);

    // Stage lines name their stage; queue messages and deliveries about a stage too.
    const stageIdsOf = new Map<string, Set<string>>();
    for (const id of ids) {
      const e = (await h.api('GET', `/pipelines/${id}`)).body as { stages: Array<{ id: string }> };
      stageIdsOf.set(id, new Set(e.stages.map((s) => s.id)));
    }
    const stageLines = ours.filter(
      (l) => STAGE_MESSAGES.has(String(l.msg)) || l.kind === 'StartStage' || l.kind === 'RunTask' || String(l.kind ?? '').startsWith('slack.'),
    );
    expect(stageLines.length).toBeGreaterThan(10);
    expect(stageLines.filter((l) => typeof l.stageId !== 'string').map((l) => `${l.component}: ${l.msg} ${l.kind ?? ''}`)).toEqual([]);
    expect(stageLines.filter((l) => !stageIdsOf.get(String(l.executionId))!.has(String(l.stageId))).map((l) => l.msg)).toEqual([]);

    // The lines a reader looks for, with the fields that tie them together.
    const about = (id: string, msg: string) => ours.filter((l) => l.executionId === id && l.msg === msg);
    expect(about(approved, 'execution triggered')[0]).toMatchObject({ application: 'checkout', pipelineConfigId });
    expect(about(approved, 'execution completed')[0]).toMatchObject({ status: 'SUCCEEDED', application: 'checkout', pipelineConfigId });
    expect(about(approved, 'judgment decided')[0]).toMatchObject({ judgmentStatus: 'continue', refId: '1', stageType: 'manualJudgment' });
    expect(about(approved, 'stage completed').map((l) => [l.refId, l.status])).toEqual([
      ['1', 'SUCCEEDED'],
      ['2', 'SUCCEEDED'],
    ]);
    expect(about(approved, 'slack click processed')[0]).toMatchObject({ result: 'accepted', stageId: expect.any(String) });
    expect(about(approved, 'notification delivery will be retried')).toHaveLength(1);
    expect(about(approved, 'notification delivery failed')[0]).toMatchObject({ kind: 'slack.judgment.update', stageId: expect.any(String) });
    expect(about(canceled, 'execution cancel requested')[0]).toMatchObject({ user: 'bob@example.com' });
    expect(about(canceled, 'stage completed')[0]).toMatchObject({ refId: '1', status: 'CANCELED' });
    expect(about(rejected, 'judgment decided')[0]).toMatchObject({ judgmentStatus: 'stop' });

    // API requests that act on one execution: Fastify's request line carries its ids too.
    const patchLine = lines.find((l) => l.msg === 'request completed' && l.executionId === rejected && l.stageId === '1');
    expect(patchLine).toBeDefined();
    expect(lines.some((l) => l.msg === 'request completed' && l.executionId === canceled && (l.res as any)?.statusCode === 200)).toBe(true);

    // Each id is written once per line (a child logger's binding is not repeated in the line).
    expect(raw.filter((t) => (t.match(/"executionId":/g) ?? []).length > 1 || (t.match(/"stageId":/g) ?? []).length > 1)).toEqual([]);
    // Never a token or secret, whatever the line.
    const all = raw.join('\n');
    expect(all).not.toContain(BOT_TOKEN);
    expect(all).not.toContain(SIGNING_SECRET);
  });
});
