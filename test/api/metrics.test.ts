/**
 * `GET /metrics` through the real service: a pipeline runs through a manual judgment approved with a signed Slack
 * click (fake Slack on loopback), then the scrape says what an operator would check — the execution counted under
 * SUCCEEDED, the judgment's wait observed, Slack calls counted by method and error, the outbox drained, one callback
 * timed per click sent — and never shows a token, a secret or an execution id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_TOKEN, SIGNING_SECRET, judgmentPipeline, postgresUnavailable, startHarness, waitFor, type Harness } from '../support/harness.js';

/** One sample of the text format: metric name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text format 0.0.4 samples (enough for prom-client's output: no timestamps, escaped label values). */
function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

async function scrape(h: Harness): Promise<{ text: string; samples: Sample[]; contentType: string | null }> {
  const res = await fetch(`${h.service.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseSamples(text), contentType: res.headers.get('content-type') };
}

async function triggerJudgment(h: Harness): Promise<string> {
  expect((await h.api('POST', '/pipelines', judgmentPipeline())).status).toBe(200);
  const res = await h.api('POST', '/pipelines/checkout/Deploy to production', { user: 'carol@example.com', parameters: { version: '1.2.3' } });
  expect(res.status).toBe(202);
  return (res.body as { ref: string }).ref.replace('/pipelines/', '');
}

async function statusOf(h: Harness, id: string): Promise<string> {
  return ((await h.api('GET', `/pipelines/${id}`)).body as { status: string }).status;
}

const harnesses: Harness[] = [];
async function harness(opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(opts);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe('GET /metrics', () => {
  it('counts an execution approved from Slack: SUCCEEDED, judgment wait, Slack calls by error, callback latency, outbox drained', async () => {
    const h = await harness();
    // The first judgment post is rate limited (retried later); the message update fails for good.
    h.slack.failNext('chat.postMessage', 1, { status: 429, retryAfterSec: 1 });
    h.slack.failNext('chat.update', 1, { error: 'channel_not_found' });
    const id = await triggerJudgment(h);
    await h.judgmentMessage();
    expect((await h.click('judgment:continue')).status).toBe(200);
    // A forged click is refused (401) and timed as well; it is not a click Slack sent.
    const forged = await fetch(`${h.service.url}/notifications/callbacks/slack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=00' },
      body: 'payload=%7B%7D',
    });
    expect(forged.status).toBe(401);
    await waitFor('the execution to succeed', async () => (await statusOf(h, id)) === 'SUCCEEDED');
    await waitFor('the continue reply in the thread', () => h.slack.callsTo('chat.postMessage').some((c) => c.args.thread_ts && c.outcome === 'ok'));

    // Deliveries finish after the execution: the outbox depth a user watches goes back to 0.
    const { text, samples, contentType } = await waitFor('the outbox to drain', async () => {
      const s = await scrape(h);
      return value(s.samples, 'slackops_outbox_depth') === 0 ? s : null;
    });
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);

    // Cluster-wide gauges from the database.
    expect(value(samples, 'slackops_executions', { application: 'checkout', status: 'SUCCEEDED' })).toBe(1);
    expect(value(samples, 'slackops_executions', { application: 'checkout', status: 'RUNNING' })).toBe(0);
    expect(value(samples, 'slackops_database_up')).toBe(1);
    expect(value(samples, 'slackops_queue_depth', { state: 'due' })).toBe(0);
    expect(value(samples, 'slackops_queue_lag_seconds')).toBe(0);

    // Per-replica histograms: one judgment decided "continue"; both stages' durations observed with their status.
    expect(value(samples, 'slackops_judgment_wait_seconds_count', { judgmentStatus: 'continue' })).toBe(1);
    expect(value(samples, 'slackops_judgment_wait_seconds_count', { judgmentStatus: 'stop' })).toBeUndefined();
    expect(value(samples, 'slackops_judgment_wait_seconds_sum', { judgmentStatus: 'continue' })).toBeGreaterThan(0);
    expect(value(samples, 'slackops_stage_duration_seconds_count', { stageType: 'manualJudgment', status: 'SUCCEEDED' })).toBe(1);
    expect(value(samples, 'slackops_stage_duration_seconds_count', { stageType: 'wait', status: 'SUCCEEDED' })).toBe(1);
    expect(value(samples, 'slackops_stage_duration_seconds_bucket', { stageType: 'wait', status: 'SUCCEEDED', le: '+Inf' })).toBe(1);

    // Slack calls: exactly what the fake Slack answered, by method and error.
    const okPosts = h.slack.callsTo('chat.postMessage').filter((c) => c.outcome === 'ok').length;
    expect(okPosts).toBeGreaterThanOrEqual(2); // the judgment message and the continue reply
    expect(value(samples, 'slackops_slack_api_calls_total', { method: 'chat.postMessage', error: 'ok' })).toBe(okPosts);
    expect(value(samples, 'slackops_slack_api_calls_total', { method: 'chat.postMessage', error: 'ratelimited' })).toBe(1);
    expect(value(samples, 'slackops_slack_api_calls_total', { method: 'chat.update', error: 'channel_not_found' })).toBe(1);
    expect(value(samples, 'slackops_slack_api_calls_total', { method: 'users.info', error: 'ok' })).toBe(h.slack.callsTo('users.info').length);

    // Callback latency: one observation per request answered, by status code.
    expect(value(samples, 'slackops_slack_callback_duration_seconds_count', { code: '200' })).toBe(1);
    expect(value(samples, 'slackops_slack_callback_duration_seconds_count', { code: '401' })).toBe(1);
    expect(value(samples, 'slackops_slack_callback_duration_seconds_bucket', { code: '200', le: '+Inf' })).toBe(1);

    // prom-client's process metrics, prefixed; every metric is ours.
    expect(value(samples, 'slackops_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples.every((s) => s.name.startsWith('slackops_'))).toBe(true);
    // No secret, no unbounded value in a label.
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain(SIGNING_SECRET);
    expect(text).not.toContain(id);
    expect(text).not.toContain('deploys');
    expect(text).not.toContain('alice');
  });

  it('keeps each service instance to its own registry', async () => {
    const a = await harness();
    const b = await harness({ slackEnabled: false });
    const id = await triggerJudgment(a);
    await a.judgmentMessage();
    expect((await a.click('judgment:continue')).status).toBe(200);
    await waitFor('the execution to succeed', async () => (await statusOf(a, id)) === 'SUCCEEDED');
    const sa = (await scrape(a)).samples;
    const sb = (await scrape(b)).samples;
    expect(value(sa, 'slackops_slack_callback_duration_seconds_count', { code: '200' })).toBe(1);
    expect(value(sa, 'slackops_judgment_wait_seconds_count', { judgmentStatus: 'continue' })).toBe(1);
    // The other service saw no click, no judgment, no Slack call and has no execution in its database.
    expect(value(sb, 'slackops_slack_callback_duration_seconds_count', { code: '200' })).toBeUndefined();
    expect(value(sb, 'slackops_judgment_wait_seconds_count', { judgmentStatus: 'continue' })).toBeUndefined();
    expect(sb.filter((s) => s.name === 'slackops_slack_api_calls_total')).toEqual([]);
    expect(sb.filter((s) => s.name === 'slackops_executions')).toEqual([]);
    // Both still show the process metrics.
    expect(value(sb, 'slackops_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('shows work waiting in the queue and how long the oldest has waited', async () => {
    const h = await harness({ slackEnabled: false });
    await h.service.engine.stop(); // nothing takes the queue's work now
    expect((await h.api('POST', '/pipelines', judgmentPipeline())).status).toBe(200);
    const res = await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } });
    expect(res.status).toBe(202);
    const first = (await scrape(h)).samples;
    expect(value(first, 'slackops_executions', { application: 'checkout', status: 'NOT_STARTED' })).toBe(1);
    expect(value(first, 'slackops_queue_depth', { state: 'due' })).toBe(1);
    expect(value(first, 'slackops_queue_depth', { state: 'claimed' })).toBe(0);
    expect(value(first, 'slackops_queue_lag_seconds')).toBeGreaterThanOrEqual(0);
    // The lag grows with the waiting message's age (at least the time waited here).
    await new Promise((r) => setTimeout(r, 1_100));
    const later = (await scrape(h)).samples;
    expect(value(later, 'slackops_queue_lag_seconds')).toBeGreaterThanOrEqual(1);
  });

  it('still answers when the database does not: database_up 0, the per-replica metrics kept, the database gauges unknown', async () => {
    const h = await harness({ slackEnabled: false });
    expect(value((await scrape(h)).samples, 'slackops_database_up')).toBe(1);
    await h.service.engine.stop();
    await h.service.store.db.destroy(); // the database goes away under the service
    const { samples } = await scrape(h);
    expect(value(samples, 'slackops_database_up')).toBe(0);
    // Unknown is not 0: labelled gauges are left out, unlabelled ones say NaN.
    expect(samples.filter((s) => s.name === 'slackops_queue_depth' || s.name === 'slackops_executions')).toEqual([]);
    expect(value(samples, 'slackops_outbox_depth')).toBeNaN();
    expect(value(samples, 'slackops_queue_lag_seconds')).toBeNaN();
    expect(value(samples, 'slackops_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('scrapes on PostgreSQL', async (ctx) => {
    const why = await postgresUnavailable();
    if (why) ctx.skip(why);
    const h = await harness({ postgres: true, slackEnabled: false });
    const id = await triggerJudgment(h);
    await waitFor('the judgment to await', async () => ((await h.api('GET', `/pipelines/${id}`)).body as any).stages[0].status === 'RUNNING');
    const patched = await h.api('PATCH', `/pipelines/${id}/stages/1`, { judgmentStatus: 'stop' }, { 'X-SPINNAKER-USER': 'alice@example.com' });
    expect(patched.status).toBe(200);
    await waitFor('the execution to end', async () => (await statusOf(h, id)) === 'TERMINAL');
    const { samples } = await scrape(h);
    expect(value(samples, 'slackops_database_up')).toBe(1);
    expect(value(samples, 'slackops_executions', { application: 'checkout', status: 'TERMINAL' })).toBe(1);
    expect(value(samples, 'slackops_judgment_wait_seconds_count', { judgmentStatus: 'stop' })).toBe(1);
    expect(value(samples, 'slackops_stage_duration_seconds_count', { stageType: 'manualJudgment', status: 'TERMINAL' })).toBe(1);
    expect(value(samples, 'slackops_queue_depth', { state: 'due' })).toBe(0);
  });
});
