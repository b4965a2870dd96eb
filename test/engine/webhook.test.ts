/**
 * The `webhook` stage through a real service (real SQLite, real HTTP) against a local target server the test
 * scripts: the call with the evaluated payload, orca's outcomes (fail-fast, retry codes, 5xx, connection refused),
 * status polling with each `statusUrlResolution`, the body cap, save-time refusals, secrets kept out of errors,
 * and cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.js';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { startWebhookTarget, unusedPort, type WebhookTarget } from '../support/webhook-target.js';

let h: Harness;
let target: WebhookTarget;
let seq = 0;

beforeAll(async () => {
  h = await startHarness({ slackEnabled: false });
  target = await startWebhookTarget();
});
afterAll(async () => {
  await target.close();
  await h.close();
});

function pipeline(app: string, stages: Array<Record<string, unknown>>) {
  return {
    application: app,
    name: 'Call deploy tooling',
    parameterConfig: [{ name: 'version', required: true }],
    stages: stages.map((s, i) => ({ refId: String(i + 1), requisiteStageRefIds: i === 0 ? [] : [String(i)], type: 'webhook', name: `Hook ${i + 1}`, ...s })),
  };
}

/** Saves a pipeline of the given webhook stages under a fresh application, triggers it, returns the execution id. */
async function start(stages: Array<Record<string, unknown>>, parameters: Record<string, string> = { version: '1.2.3' }): Promise<string> {
  const app = `hooks${++seq}`;
  const saved = await h.api('POST', '/pipelines', pipeline(app, stages));
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  const res = await h.api('POST', `/pipelines/${app}/Call%20deploy%20tooling`, { parameters }, { 'X-SPINNAKER-USER': 'alice@example.com' });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return (res.body as any).ref.replace('/pipelines/', '');
}

async function execution(id: string): Promise<any> {
  return (await h.api('GET', `/pipelines/${id}`)).body;
}

async function finished(id: string, timeoutMs = 15_000): Promise<any> {
  return waitFor(
    `execution ${id} to end`,
    async () => {
      const e = await execution(id);
      return ['RUNNING', 'NOT_STARTED'].includes(e.status) ? null : e;
    },
    timeoutMs,
  );
}

describe('webhook call', () => {
  it('POSTs the evaluated payload with the custom headers, outputs the answer, and later stages see it', async () => {
    target.on('POST', '/hooks/deploy', { status: 200, body: { id: 'dep-42', accepted: true } });
    target.on('PUT', '/hooks/notify', { status: 204 });
    const id = await start([
      {
        url: `${target.base}/hooks/deploy`,
        payload: { version: '${parameters.version}', requestedBy: '${trigger.user}', tags: ['v${parameters.version}'], dryRun: false },
        customHeaders: { 'X-Deploy-Token': 'deploy-token-0123456789' },
      },
      { url: `${target.base}/hooks/notify`, method: 'put', payload: { deployment: '${webhook.body.id}' } },
    ]);
    const e = await finished(id);
    expect(e.status, JSON.stringify(e.stages.map((s: any) => s.context))).toBe('SUCCEEDED');
    const [deploy] = target.requestsTo('/hooks/deploy');
    expect(deploy!.method).toBe('POST');
    expect(deploy!.json).toEqual({ version: '1.2.3', requestedBy: 'alice@example.com', tags: ['v1.2.3'], dryRun: false });
    expect(deploy!.headers['x-deploy-token']).toBe('deploy-token-0123456789');
    expect(deploy!.headers['content-type']).toBe('application/json');
    expect(e.stages[0].status).toBe('SUCCEEDED');
    expect(e.stages[0].outputs.webhook).toEqual({ statusCode: 'OK', statusCodeValue: 200, body: { id: 'dep-42', accepted: true } });
    const [notify] = target.requestsTo('/hooks/notify');
    expect(notify!.method).toBe('PUT');
    expect(notify!.json).toEqual({ deployment: 'dep-42' });
    expect(e.stages[1].outputs.webhook).toEqual({ statusCode: 'NO_CONTENT', statusCodeValue: 204 });
  });

  it('ends TERMINAL at once on a failFastStatusCodes answer, saying which URL answered what', async () => {
    target.on('POST', '/hooks/failfast', { status: 409, body: { error: 'a deploy is already running' } });
    const id = await start([{ url: `${target.base}/hooks/failfast`, failFastStatusCodes: [409], payload: { v: 1 } }]);
    const e = await finished(id);
    expect(e.status).toBe('TERMINAL');
    expect(target.requestsTo('/hooks/failfast')).toHaveLength(1);
    const error = `POST ${target.base}/hooks/failfast answered 409, which is in failFastStatusCodes: {"error":"a deploy is already running"}`;
    expect(e.stages[0].context.exception.details.error).toBe(error);
    expect(e.stages[0].outputs.webhook).toEqual({ statusCode: 'CONFLICT', statusCodeValue: 409, body: { error: 'a deploy is already running' }, error });
  });

  it('ends TERMINAL on another 4xx without retrying, quoting the first 200 characters of the body', async () => {
    target.on('POST', '/hooks/bad', { status: 422, body: `unknown version; ${'x'.repeat(300)}` });
    const id = await start([{ url: `${target.base}/hooks/bad` }]);
    const e = await finished(id);
    expect(e.stages[0].status).toBe('TERMINAL');
    expect(target.requestsTo('/hooks/bad')).toHaveLength(1);
    expect(e.stages[0].context.exception.details.error).toBe(`POST ${target.base}/hooks/bad answered 422: unknown version; ${'x'.repeat(183)}…`);
  });

  it('retries a 5xx and a retryStatusCodes answer with backoff, then succeeds', async () => {
    target.on('POST', '/hooks/flaky', { status: 503, body: 'maintenance' }, { status: 423, body: 'locked' }, { status: 201, body: { ok: true } });
    const id = await start([{ url: `${target.base}/hooks/flaky`, retryStatusCodes: [423] }]);
    const e = await finished(id);
    expect(e.status).toBe('SUCCEEDED');
    const calls = target.requestsTo('/hooks/flaky');
    expect(calls).toHaveLength(3);
    expect(e.stages[0].context.webhookRetries).toBe(0);
    expect(e.stages[0].outputs.webhook).toEqual({ statusCode: 'CREATED', statusCodeValue: 201, body: { ok: true } });
  });

  it('retries after a refused connection, then succeeds once the server is up', async () => {
    const port = await unusedPort();
    const id = await start([{ url: `http://127.0.0.1:${port}/hooks/late`, payload: { version: '${parameters.version}' } }], { version: '9.9.9' });
    const retrying = await waitFor('the first retry', async () => ((await execution(id)).stages[0].context.webhookRetries === 1 ? execution(id) : null));
    expect(retrying.status).toBe('RUNNING');
    expect(retrying.stages[0].context.webhook.error).toBe(`POST http://127.0.0.1:${port}/hooks/late could not be reached (ECONNREFUSED); will retry (1 of 8)`);
    const late = await startWebhookTarget(port);
    try {
      late.on('POST', '/hooks/late', { status: 200, body: { ok: 1 } });
      const e = await finished(id);
      expect(e.status).toBe('SUCCEEDED');
      expect(late.requestsTo('/hooks/late').map((r) => r.json)).toEqual([{ version: '9.9.9' }]);
    } finally {
      await late.close();
    }
  });

  it('fails with a clear error when the answer is larger than 1 MiB', async () => {
    target.on('POST', '/hooks/huge', { status: 200, body: 'y'.repeat(1024 * 1024 + 10) });
    target.on('POST', '/hooks/huge-chunked', { status: 200, body: 'z'.repeat(1024 * 1024 + 10), chunked: true });
    const id = await start([{ url: `${target.base}/hooks/huge` }]);
    const id2 = await start([{ url: `${target.base}/hooks/huge-chunked` }]);
    const [e, e2] = [await finished(id), await finished(id2)];
    expect(e.stages[0].status).toBe('TERMINAL');
    expect(e.stages[0].context.exception.details.error).toBe(`POST ${target.base}/hooks/huge answered 200 with a body larger than 1 MiB; refusing to read it`);
    expect(e2.stages[0].context.exception.details.error).toBe(`POST ${target.base}/hooks/huge-chunked answered 200 with a body larger than 1 MiB; refusing to read it`);
  });

  it('never puts header values or URL credentials in errors or stored bodies', async () => {
    target.on('POST', '/hooks/secret', (req) => ({
      status: 401,
      body: `denied: authorization=${req.headers.authorization} x-api-key=${req.headers['x-api-key']}`,
    }));
    const id = await start([
      {
        url: `http://deployer:pa55-w0rd-secret@${target.base.replace('http://', '')}/hooks/secret?token=abc123secret&env=prod`,
        customHeaders: { 'X-Api-Key': 'key-9f8e7d6c5b4a' },
      },
    ]);
    const e = await finished(id);
    const [req] = target.requestsTo('/hooks/secret');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('deployer:pa55-w0rd-secret').toString('base64')}`);
    const error = e.stages[0].context.exception.details.error as string;
    expect(error).toBe(`POST ${target.base}/hooks/secret?token=***&env=prod answered 401: denied: authorization=*** x-api-key=***`);
    const stored = JSON.stringify({ error, outputs: e.stages[0].outputs });
    for (const secret of ['pa55-w0rd-secret', 'abc123secret', 'key-9f8e7d6c5b4a', Buffer.from('deployer:pa55-w0rd-secret').toString('base64')]) {
      expect(stored).not.toContain(secret);
    }
  });
});

describe('webhook status polling (waitForCompletion)', () => {
  const cases = [
    {
      resolution: 'getMethod',
      setup: (p: string) => {
        target.on('POST', p, { status: 202, body: { status: 'QUEUED' } });
        return p;
      },
    },
    {
      resolution: 'locationHeader',
      setup: (p: string) => {
        target.on('POST', p, { status: 202, headers: { location: `${p}/status` } });
        return `${p}/status`;
      },
    },
    {
      resolution: 'webhookResponse',
      setup: (p: string) => {
        target.on('POST', p, { status: 201, body: { links: { status: `${target.base}${p}/runs/7` } } });
        return `${p}/runs/7`;
      },
    },
  ] as const;

  for (const c of cases) {
    for (const end of ['success', 'terminal'] as const) {
      it(`${c.resolution}: polls until ${end === 'success' ? 'a successStatuses' : 'a terminalStatuses'} value`, async () => {
        const path = `/jobs/${c.resolution}-${end}`;
        const statusPath = c.setup(path);
        const last = end === 'success' ? 'Done' : 'FAILED';
        target.on('GET', statusPath, { status: 200, body: { data: [{ state: 'running', note: 'building' }] } }, { status: 200, body: { data: [{ state: last, note: 'finished' }] } });
        const id = await start([
          {
            url: `${target.base}${path}`,
            waitForCompletion: true,
            statusUrlResolution: c.resolution,
            statusUrlJsonPath: '$.links.status',
            statusJsonPath: '$.data[0].state',
            progressJsonPath: '$.data[0].note',
            successStatuses: 'SUCCESS, done',
            terminalStatuses: 'FAILED,ERROR',
            monitorIntervalMs: 50,
          },
        ]);
        const e = await finished(id);
        expect(target.requestsTo(path).filter((r) => r.method === 'POST')).toHaveLength(1);
        expect(target.requestsTo(statusPath).filter((r) => r.method === 'GET')).toHaveLength(2);
        const webhook = e.stages[0].outputs.webhook;
        expect(webhook.statusEndpoint).toBe(`${target.base}${statusPath}`);
        const monitor = { statusCode: 'OK', statusCodeValue: 200, body: { data: [{ state: last, note: 'finished' }] }, progressMessage: 'finished' };
        if (end === 'success') {
          expect(e.status).toBe('SUCCEEDED');
          expect(webhook.monitor).toEqual(monitor);
          expect(webhook.error).toBeUndefined();
        } else {
          expect(e.status).toBe('TERMINAL');
          const error = `GET ${target.base}${statusPath} reported status "FAILED", which is in terminalStatuses`;
          expect(webhook.monitor).toEqual({ ...monitor, error });
          expect(e.stages[0].context.exception.details.error).toBe(error);
        }
      });
    }
  }

  it('ends CANCELED (as orca) with monitor.canceled on a canceledStatuses value, and succeeds on 100 percent', async () => {
    target.on('POST', '/jobs/cancel', { status: 200, body: {} });
    target.on('GET', '/jobs/cancel', { status: 200, body: { state: 'aborted' } });
    target.on('POST', '/jobs/percent', { status: 200, body: {} });
    target.on('GET', '/jobs/percent', { status: 200, body: { pct: 40 } }, { status: 200, body: { pct: 100 } });
    const common = { waitForCompletion: true, successStatuses: 'OK', canceledStatuses: 'ABORTED', monitorIntervalMs: 50 };
    const canceled = await finished(await start([{ url: `${target.base}/jobs/cancel`, statusJsonPath: '$.state', ...common }]));
    expect(canceled.stages[0].status).toBe('CANCELED');
    expect(canceled.status).toBe('CANCELED');
    expect(canceled.stages[0].outputs.webhook.monitor.canceled).toBe(true);
    expect(canceled.stages[0].outputs.webhook.monitor.error).toBe(`GET ${target.base}/jobs/cancel reported status "aborted", which is in canceledStatuses`);
    const percent = await finished(await start([{ url: `${target.base}/jobs/percent`, statusJsonPath: '$.pct', ...common }]));
    expect(percent.status).toBe('SUCCEEDED');
    expect(percent.stages[0].outputs.webhook.monitor.percentComplete).toBe(100);
  });

  it('a canceled execution makes no more calls', async () => {
    target.on('POST', '/jobs/forever', { status: 200, body: {} });
    target.on('GET', '/jobs/forever', { status: 200, body: { status: 'RUNNING' } });
    const id = await start([{ url: `${target.base}/jobs/forever`, waitForCompletion: true, statusJsonPath: '$.status', successStatuses: 'DONE', monitorIntervalMs: 50 }]);
    await waitFor('a few polls', () => target.requestsTo('/jobs/forever').length >= 3);
    expect((await h.api('PUT', `/pipelines/${id}/cancel?reason=enough`)).status).toBe(200);
    const e = await finished(id);
    expect(e.status).toBe('CANCELED');
    expect(e.stages[0].status).toBe('CANCELED');
    const count = target.requestsTo('/jobs/forever').length;
    await new Promise((r) => setTimeout(r, 400));
    expect(target.requestsTo('/jobs/forever').length).toBeLessThanOrEqual(count + 1); // at most one poll already in flight
    const settled = target.requestsTo('/jobs/forever').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(target.requestsTo('/jobs/forever').length).toBe(settled);
  });
});

describe('the Spinnaker fixture pipeline', () => {
  it('runs to the judgment and after approval calls the webhook with the evaluated payload, approver input included', async () => {
    const p = fixture<{ pipeline: any }>('spinnaker-pipeline-manual-judgment.json').pipeline;
    p.application = 'fixturehook';
    const hook = p.stages.find((s: any) => s.type === 'webhook');
    hook.url = `${target.base}/fixture/hooks/deploy`;
    target.on('POST', '/fixture/hooks/deploy', { status: 200, body: { deployment: 'd-7' } });
    expect((await h.api('POST', '/pipelines', p)).status).toBe(200);
    const res = await h.api('POST', '/pipelines/fixturehook/Deploy%20to%20production', { parameters: { version: '2.0.1', region: 'us-east-1' } }, { 'X-SPINNAKER-USER': 'bob@example.com' });
    expect(res.status).toBe(202);
    const id = (res.body as any).ref.replace('/pipelines/', '');
    const judging = await waitFor('the judgment stage to run', async () => {
      const e = await execution(id);
      const j = e.stages.find((s: any) => s.type === 'manualJudgment');
      return j.status === 'RUNNING' ? j : null;
    });
    expect(target.requestsTo('/fixture/hooks/deploy')).toHaveLength(0);
    const judged = await h.api('PATCH', `/pipelines/${id}/stages/${judging.id}`, { judgmentStatus: 'continue', judgmentInput: 'Roll out slowly' }, { 'X-SPINNAKER-USER': 'alice@example.com' });
    expect(judged.status, JSON.stringify(judged.body)).toBe(200);
    const stage = await waitFor('the webhook stage to succeed', async () => {
      const s = (await execution(id)).stages.find((x: any) => x.type === 'webhook');
      return s.status === 'SUCCEEDED' ? s : null;
    });
    expect(target.requestsTo('/fixture/hooks/deploy').map((r) => r.json)).toEqual([
      { image: 'registry.example.com/checkout:2.0.1', region: 'us-east-1', rollout: 'Roll out slowly', requestedBy: 'bob@example.com' },
    ]);
    expect(stage.outputs.webhook).toEqual({ statusCode: 'OK', statusCodeValue: 200, body: { deployment: 'd-7' } });
    await h.api('PUT', `/pipelines/${id}/cancel`); // the 30 s soak wait is not this test's business
  });
});

describe('webhook stage config checks at save time', () => {
  it('refuses a non-http URL, naming stages[0].url', async () => {
    for (const [url, message] of [
      ['file:///etc/passwd', 'only http:// and https:// URLs are allowed, not file://'],
      ['ftp://deploy.example.com/x', 'only http:// and https:// URLs are allowed, not ftp://'],
      ['deploy.example.com/hook', 'expected an absolute http:// or https:// URL'],
    ]) {
      const res = await h.api('POST', '/pipelines', pipeline('refused', [{ url }]));
      expect(res.status, url).toBe(400);
      expect(res.body.issues).toContainEqual({ path: 'stages[0].url', message });
    }
    const missing = await h.api('POST', '/pipelines', pipeline('refused', [{ method: 'POST' }]));
    expect(missing.body.issues).toContainEqual({ path: 'stages[0].url', message: 'the URL to call is required' });
    expect((await h.api('GET', '/applications/refused/pipelineConfigs')).body).toEqual([]);
  });

  it('names each bad field: method, status codes, JSON paths, what waitForCompletion needs', async () => {
    const res = await h.api(
      'POST',
      '/pipelines',
      pipeline('refused2', [
        { url: 'https://deploy.example.com/x', method: 'FETCH', failFastStatusCodes: [99], retryStatusCodes: 'all', customHeaders: { 'Bad Header': 'x' } },
        { url: 'https://deploy.example.com/x', waitForCompletion: true, statusUrlResolution: 'webhookResponse', statusUrlJsonPath: null, successStatuses: 'OK' },
        { url: 'https://deploy.example.com/x', waitForCompletion: true, statusJsonPath: '$..status', statusUrlResolution: 'poll' },
      ]),
    );
    expect(res.status).toBe(400);
    const issues = res.body.issues as Array<{ path: string; message: string }>;
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'stages[0].method', message: 'expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE' },
        { path: 'stages[0].failFastStatusCodes[0]', message: 'expected an HTTP status code (100-599)' },
        { path: 'stages[0].retryStatusCodes', message: 'expected a list of HTTP status codes, e.g. [409, 422]' },
        { path: 'stages[0].customHeaders.Bad Header', message: 'not a valid HTTP header name' },
        { path: 'stages[1].statusJsonPath', message: 'required when waitForCompletion is true: the JSON path of the status, e.g. $.status' },
        { path: 'stages[1].statusUrlJsonPath', message: 'required when statusUrlResolution is webhookResponse: the JSON path of the status URL in the response' },
        { path: 'stages[2].statusJsonPath', message: 'deep scan (..) is not supported in "$..status"; name each property' },
        { path: 'stages[2].statusUrlResolution', message: 'expected one of getMethod, locationHeader, webhookResponse' },
      ]),
    );
  });

  it('accepts a URL made of an expression, and fails the stage when it evaluates to a non-http URL', async () => {
    const id = await start([{ url: '${parameters.version}' }], { version: 'file:///etc/passwd' });
    const e = await finished(id);
    expect(e.stages[0].status).toBe('TERMINAL');
    expect(e.stages[0].context.exception.details.error).toBe(
      'webhook stage misconfigured after evaluating expressions: url: only http:// and https:// URLs are allowed, not file://',
    );
  });
});
