/**
 * Webhook triggers through a real service and a real SQLite file: `POST /webhooks/webhook/{source}` starts the
 * enabled pipelines whose trigger source and payload constraints match (echo's rules), with the body as
 * `trigger.payload`; save-time checks of triggers; disabled pipelines refuse to start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { payloadMatches } from '../../src/triggers/webhook.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false });
});
afterAll(async () => {
  await h.close();
});

function hookPipeline(application: string, name: string, trigger: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    application,
    name,
    parameterConfig: [
      { name: 'version', required: true },
      { name: 'region', default: 'eu-west-1' },
    ],
    triggers: [{ type: 'webhook', enabled: true, ...trigger }],
    stages: [{ refId: '1', requisiteStageRefIds: [], type: 'wait', name: 'Soak', waitTime: 0 }],
    ...extra,
  };
}

async function save(body: unknown) {
  const res = await h.api('POST', '/pipelines', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { id: string };
}

async function fire(source: string, body: unknown) {
  const res = await h.api('POST', `/webhooks/webhook/${source}`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    eventProcessed: boolean;
    eventId: string;
    executions: Array<{ application: string; name: string; pipelineConfigId: string; ref: string }>;
    refused: Array<{ application: string; name: string; message: string }>;
  };
}

describe('POST /webhooks/webhook/{source}', () => {
  it('starts a matching pipeline with the body as trigger.payload and the body parameters resolved', async () => {
    const p = await save(hookPipeline('hooks', 'Deploy on push', { source: 'push-main', payloadConstraints: { branch: '^main$' } }));
    const body = { branch: 'main', commit: 'abc123', parameters: { version: '1.2.3' }, nested: { n: 1 } };
    const res = await fire('push-main', body);
    expect(res.eventProcessed).toBe(true);
    expect(res.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.refused).toEqual([]);
    expect(res.executions).toEqual([{ application: 'hooks', name: 'Deploy on push', pipelineConfigId: p.id, ref: expect.stringMatching(/^\/pipelines\//) }]);
    const id = res.executions[0]!.ref.replace('/pipelines/', '');
    const e = await waitFor('the webhook execution to succeed', async () => {
      const got = (await h.api('GET', `/pipelines/${id}`)).body as any;
      return got.status === 'SUCCEEDED' ? got : null;
    });
    expect(e.pipelineConfigId).toBe(p.id);
    expect(e.trigger).toMatchObject({
      type: 'webhook',
      source: 'push-main',
      enabled: true,
      user: 'anonymous',
      eventId: res.eventId,
      payload: body,
      parameters: { version: '1.2.3', region: 'eu-west-1' },
      payloadConstraints: { branch: '^main$' },
    });
  });

  it('refuses a constraint regex with nested repetition at save, and never runs one saved before the check', async () => {
    const res = await h.api('POST', '/pipelines', hookPipeline('redos', 'p', { source: 'redos', payloadConstraints: { x: '^(a+)+$' } }));
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: any) => i.path)).toContain('triggers[0].payloadConstraints.x');
    expect(res.body.message).toContain('nested repetition');
    // run, this would backtrack for hours on 40 a's; it is not run at all
    expect(payloadMatches({ x: '^(a+)+$' }, { x: `${'a'.repeat(40)}b` })).toBe(false);
  });

  it('starts nothing when a constraint does not match or its key is missing, and answers 200 with no executions', async () => {
    await save(hookPipeline('hooks', 'Main only', { source: 'push-nomatch', payloadConstraints: { branch: '^main$' } }));
    expect((await fire('push-nomatch', { branch: 'main-old', parameters: { version: '1' } })).executions).toEqual([]);
    expect((await fire('push-nomatch', { branch: 'develop', parameters: { version: '1' } })).executions).toEqual([]);
    expect((await fire('push-nomatch', { parameters: { version: '1' } })).executions).toEqual([]);
    expect((await fire('push-nomatch', { branch: null, parameters: { version: '1' } })).executions).toEqual([]);
    expect((await fire('unknown-source', { branch: 'main' })).executions).toEqual([]);
    // the source is compared exactly, as echo does
    expect((await fire('PUSH-NOMATCH', { branch: 'main', parameters: { version: '1' } })).executions).toEqual([]);
    expect((await fire('push-nomatch', { branch: 'main', parameters: { version: '1' } })).executions).toHaveLength(1);
  });

  it('treats constraint values as regular expressions found anywhere in the value (echo: Pattern.find)', async () => {
    await save(hookPipeline('hooks', 'Release tags', { source: 'tags', payloadConstraints: { repo: 'slackops', tag: '^v\\d+\\.\\d+$', signed: null } }));
    const ok = await fire('tags', { repo: 'acme/slackops-api', tag: 'v2.10', signed: false, parameters: { version: '2.10' } });
    expect(ok.executions.map((x) => x.name)).toEqual(['Release tags']);
    expect((await fire('tags', { repo: 'acme/slackops-api', tag: 'v2.10-rc1', signed: true, parameters: { version: '2' } })).executions).toEqual([]);
    expect((await fire('tags', { repo: 'acme/other', tag: 'v2.10', signed: true, parameters: { version: '2' } })).executions).toEqual([]);
    // a null constraint only asks for the key to be present
    expect((await fire('tags', { repo: 'slackops', tag: 'v1.0', parameters: { version: '1' } })).executions).toEqual([]);
  });

  it('leaves out disabled triggers and disabled pipelines, and starts every enabled match across applications', async () => {
    await save(hookPipeline('hooks-a', 'Enabled', { source: 'fanout' }));
    await save(hookPipeline('hooks-b', 'Also enabled', { source: 'fanout' }));
    await save(hookPipeline('hooks-b', 'Trigger disabled', { source: 'fanout', enabled: false }));
    await save(hookPipeline('hooks-b', 'Trigger without enabled', { source: 'fanout', enabled: undefined }));
    await save(hookPipeline('hooks-c', 'Pipeline disabled', { source: 'fanout' }, { disabled: true }));
    const res = await fire('fanout', { parameters: { version: '9' } });
    expect(res.executions.map((x) => `${x.application}/${x.name}`).sort()).toEqual(['hooks-a/Enabled', 'hooks-b/Also enabled']);
    const b = (await h.api('GET', '/applications/hooks-b/pipelines')).body as any[];
    expect(b.map((e) => e.name)).toEqual(['Also enabled']);
    expect((await h.api('GET', '/applications/hooks-c/pipelines')).body).toEqual([]);
  });

  it('lists a matching pipeline that cannot start (a required parameter missing) under refused', async () => {
    const p = await save(hookPipeline('hooks', 'Needs version', { source: 'needs-version' }));
    const res = await fire('needs-version', { branch: 'main' });
    expect(res.executions).toEqual([]);
    expect(res.refused).toEqual([
      { application: 'hooks', name: 'Needs version', pipelineConfigId: p.id, message: expect.stringContaining('missing required parameter: version') },
    ]);
  });

  it('answers 400 to a body that is not JSON or not a JSON object', async () => {
    const bad = await h.api('POST', '/webhooks/webhook/fanout', '{"branch": ', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^body: /);
    const arr = await h.api('POST', '/webhooks/webhook/fanout', [1, 2]);
    expect(arr.status).toBe(400);
    expect(arr.body.message).toBe('body: expected a JSON object');
    const params = await h.api('POST', '/webhooks/webhook/fanout', { parameters: 'x' });
    expect(params.status).toBe(400);
    expect(params.body.issues).toEqual([{ path: 'body.parameters', message: 'expected an object of parameter values' }]);
  });
});

describe('trigger checks at save time', () => {
  it('refuses an invalid cron expression, a webhook trigger without source and an invalid constraint regex, naming each', async () => {
    const res = await h.api('POST', '/pipelines', {
      application: 'checks',
      name: 'Bad triggers',
      stages: [],
      triggers: [
        { type: 'cron', enabled: true, cronExpression: '0 0 25 * * ?' },
        { type: 'cron', enabled: true },
        { type: 'webhook', enabled: true },
        { type: 'webhook', enabled: true, source: 's', payloadConstraints: { branch: '(' } },
        { type: 'cron', enabled: 'yes', cronExpression: 'every day' },
        { type: 'jenkins', enabled: true, master: 'ci', job: 'build' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: any) => i.path)).toEqual([
      'triggers[0].cronExpression',
      'triggers[1].cronExpression',
      'triggers[2].source',
      'triggers[3].payloadConstraints.branch',
      'triggers[4].enabled',
      'triggers[4].cronExpression',
    ]);
    expect(res.body.issues[0].message).toContain('invalid cron expression "0 0 25 * * ?"');
    expect(res.body.message).toContain('triggers[0].cronExpression: invalid cron expression');
  });

  it('accepts Quartz (6 and 7 fields, seconds first) and 5-field crontab expressions', async () => {
    for (const cronExpression of ['0 0 12 ? * MON-FRI', '0 0/15 * * * ?', '0 30 6 ? * 2 2099', '*/5 * * * *', '0 12 * * 1-5', '@daily']) {
      const res = await h.api('POST', '/pipelines', {
        application: 'checks',
        name: 'Good cron',
        stages: [],
        triggers: [{ type: 'cron', enabled: false, cronExpression }],
      });
      expect(res.status, `${cronExpression}: ${JSON.stringify(res.body)}`).toBe(200);
    }
  });
});

describe('disabled pipelines', () => {
  it('refuse to start from the API trigger with a 409 naming the pipeline', async () => {
    await save(hookPipeline('hooks', 'Switched off', { source: 'off' }, { disabled: true }));
    const res = await h.api('POST', `/pipelines/hooks/${encodeURIComponent('Switched off')}`, { parameters: { version: '1' } });
    expect(res.status).toBe(409);
    expect(res.body.message).toBe('pipeline "Switched off" of application hooks is disabled (disabled: true); enable it to start it');
  });
});

describe('payloadMatches (echo ArtifactMatcher.isConstraintInPayload)', () => {
  it.each([
    [{ one: 'o' }, { one: 'one' }, true],
    [{ one: 'one' }, { four: 'four' }, false],
    [{ one: 'uno|one' }, { one: 'one' }, true],
    [{ count: '^3$' }, { count: 3 }, true],
    [{ flag: 'true' }, { flag: true }, true],
    [{ list: 'one' }, { list: ['one'] }, true],
    [{ bad: '(' }, { bad: '(' }, false],
    [null, { any: 1 }, true],
    [{}, {}, true],
  ] as const)('%j against %j → %s', (constraints, payload, expected) => {
    expect(payloadMatches(constraints as Record<string, unknown> | null, payload as Record<string, unknown>)).toBe(expected);
  });
});
