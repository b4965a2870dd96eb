/**
 * Gate's pipeline paths through a real server and a real SQLite file: saving, validation, triggering, execution
 * JSON, the DAG (parallel branches and joins), waits, cancel, and the judgment PATCH.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.js';
import { startHarness, waitFor, judgmentPipeline, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ slackEnabled: false });
});
afterAll(async () => {
  await h.close();
});

async function runToEnd(id: string) {
  return waitFor(`execution ${id} to end`, async () => {
    const e = (await h.api('GET', `/pipelines/${id}`)).body as any;
    return ['RUNNING', 'NOT_STARTED'].includes(e.status) ? null : e;
  });
}

async function trigger(app: string, name: string, body: unknown = {}) {
  const res = await h.api('POST', `/pipelines/${app}/${encodeURIComponent(name)}`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return (res.body as any).ref.replace('/pipelines/', '') as string;
}

describe('pipeline configs', () => {
  it('saves a pipeline, creates its application, assigns an id, and updates on a second save of the same name', async () => {
    const first = await h.api('POST', '/pipelines', judgmentPipeline({ application: 'saving' }));
    expect(first.status).toBe(200);
    expect(first.body.id).toMatch(/[0-9a-f-]{36}/);
    const second = await h.api('POST', '/pipelines', judgmentPipeline({ application: 'saving', description: 'v2' }));
    expect(second.body.id).toBe(first.body.id);
    const apps = await h.api('GET', '/applications');
    expect(apps.body.map((a: any) => a.name)).toContain('saving');
    const list = await h.api('GET', '/applications/saving/pipelineConfigs');
    expect(list.body).toHaveLength(1);
    expect(list.body[0].description).toBe('v2');
    const one = await h.api('GET', '/applications/saving/pipelineConfigs/Deploy to production');
    expect(one.status).toBe(200);
    expect(one.body.stages[0].type).toBe('manualJudgment');
    expect((await h.api('DELETE', '/pipelines/saving/Deploy to production')).status).toBe(200);
    expect((await h.api('GET', '/applications/saving/pipelineConfigs/Deploy to production')).status).toBe(404);
    expect((await h.api('DELETE', '/pipelines/saving/Deploy to production')).status).toBe(404);
  });

  it('accepts the Spinnaker fixture pipeline shape and lists every problem of a bad one', async () => {
    const spinnaker = fixture<{ pipeline: Record<string, unknown> }>('spinnaker-pipeline-manual-judgment.json').pipeline;
    const res = await h.api('POST', '/pipelines', spinnaker);
    // evaluateVariables and checkPreconditions are accepted; the webhook stage may not be registered yet, and then
    // it is the only problem reported
    if (res.status !== 200) {
      expect(res.status).toBe(400);
      expect(res.body.issues).toEqual([{ path: 'stages[3].type', message: expect.stringContaining('unknown stage type "webhook"; supported: wait, manualJudgment, evaluateVariables, checkPreconditions') }]);
    }

    const bad = await h.api('POST', '/pipelines', {
      application: 'bad',
      name: 'broken',
      stages: [
        { refId: '1', requisiteStageRefIds: ['3'], type: 'wait', name: 'a', waitTime: 'soon' },
        { refId: '2', requisiteStageRefIds: ['9'], type: 'deploy', name: 'b' },
        { refId: '3', requisiteStageRefIds: ['1'], type: 'manualJudgment', name: 'c', judgmentInputs: 'yes' },
        { refId: '1', type: 'wait', name: 'dup', waitTime: 1 },
      ],
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.issues.map((i: any) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['stages[0].waitTime', 'stages[1].type', 'stages[1].requisiteStageRefIds[0]', 'stages[2].judgmentInputs', 'stages[3].refId']),
    );
    expect(bad.body.message).toMatch(/cycle in requisiteStageRefIds: .*1.*3.*1|cycle in requisiteStageRefIds: .*3.*1.*3/);
    expect((await h.api('GET', '/applications/bad/pipelineConfigs')).body).toEqual([]);
  });

  it('answers 400, not 500, to bodies that are not pipelines', async () => {
    for (const body of ['not json', '[]', 'null', '{"application": 5}']) {
      const res = await h.api('POST', '/pipelines', body);
      expect(res.status, body).toBe(400);
      expect(typeof res.body.message).toBe('string');
    }
  });
});

describe('hostile and careless requests get a 4xx that says what is wrong', () => {
  it('names a wrong Content-Type (curl -d without -H) with a 415', async () => {
    const res = await fetch(`${h.service.url}/pipelines`, { method: 'POST', body: JSON.stringify(judgmentPipeline()), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect(((await res.json()) as any).message).toContain('application/x-www-form-urlencoded');
  });

  it('refuses bodies nested absurdly deep with a 400, not a 500', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const body = `{"application":"deep","name":"p","stages":[],"x":${deep}}`;
    const res = await h.api('POST', '/pipelines', body);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('nested deeper');
    const trig = await h.api('POST', '/pipelines/deep/p', `{"extra":${deep}}`);
    expect(trig.status).toBe(400);
  });

  it('refuses names that could never be addressed and an empty refId', async () => {
    const res = await h.api('POST', '/pipelines', judgmentPipeline({ application: 'names', name: 'x'.repeat(201) }));
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: any) => i.path)).toContain('name');
    const empty = await h.api('POST', '/pipelines', { application: 'names', name: 'p', stages: [{ refId: '', type: 'wait', name: 'w', waitTime: 1 }] });
    expect(empty.status).toBe(400);
    expect(empty.body.issues.map((i: any) => i.path)).toContain('stages[0].refId');
    const tooLong = await h.api('GET', `/pipelines/${'x'.repeat(600)}`);
    expect(tooLong.status).toBe(414);
    expect(tooLong.body.message).not.toContain('xxxxxxxxxx');
  });

  it('refuses near-miss rule fields and notification events that would silently never apply', async () => {
    const res = await h.api(
      'POST',
      '/pipelines',
      judgmentPipeline(
        { application: 'typos', notifications: [{ type: 'slack', address: '#r', when: ['pipeline.completed'] }] },
        { requiredApproval: 2, preventSelfApprovals: true, isNew: true, notifications: [{ type: 'slack', address: '#d', when: ['manualJudgement'] }] },
      ),
    );
    expect(res.status).toBe(400);
    const byPath = Object.fromEntries(res.body.issues.map((i: any) => [i.path, i.message]));
    expect(byPath['stages[0].requiredApproval']).toContain('did you mean "requiredApprovals"');
    expect(byPath['stages[0].preventSelfApprovals']).toContain('did you mean "preventSelfApproval"');
    expect(byPath['stages[0].notifications[0].when[0]']).toContain('unknown event "manualJudgement"');
    expect(byPath['notifications[0].when[0]']).toContain('pipeline.complete');
    expect(byPath['stages[0].isNew']).toBeUndefined(); // Deck's own extra fields are kept
  });

  it('refuses a notification preference with an empty when (it would never be sent), naming the field', async () => {
    const res = await h.api(
      'POST',
      '/pipelines',
      judgmentPipeline({ application: 'silent', notifications: [{ type: 'slack', address: '#r', when: [] }] }, { notifications: [{ type: 'slack', address: '#d', when: [] }] }),
    );
    expect(res.status).toBe(400);
    const byPath = Object.fromEntries(res.body.issues.map((i: any) => [i.path, i.message]));
    expect(byPath['stages[0].notifications[0].when']).toMatch(/never be sent.*manualJudgment/);
    expect(byPath['notifications[0].when']).toMatch(/never be sent.*pipeline\.starting/);
  });

  it('refuses a parameter value outside its options, naming the options', async () => {
    await h.api('POST', '/pipelines', judgmentPipeline({ application: 'opts' }));
    const res = await h.api('POST', '/pipelines/opts/Deploy to production', { parameters: { version: '1', region: 'mars-1' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('eu-west-1, us-east-1');
  });

  it('reads limit as a plain number only', async () => {
    expect((await h.api('GET', '/applications/x/pipelines?limit=0x10')).status).toBe(400);
    expect((await h.api('GET', '/applications/x/pipelines?limit=')).status).toBe(400);
  });
});

describe('executions', () => {
  it('runs parallel branches and a join, with Gate-shaped JSON', async () => {
    await h.api('POST', '/pipelines', {
      application: 'dag',
      name: 'diamond',
      stages: [
        { refId: 'a', type: 'wait', name: 'start', waitTime: 0 },
        { refId: 'b', requisiteStageRefIds: ['a'], type: 'wait', name: 'left', waitTime: 0 },
        { refId: 'c', requisiteStageRefIds: ['a'], type: 'wait', name: 'right', waitTime: 1 },
        { refId: 'd', requisiteStageRefIds: ['b', 'c'], type: 'wait', name: 'join', waitTime: 0 },
      ],
    });
    const id = await trigger('dag', 'diamond', { user: 'erin@example.com' });
    const e = await runToEnd(id);
    expect(e.status).toBe('SUCCEEDED');
    expect(e.type).toBe('PIPELINE');
    expect(e.application).toBe('dag');
    expect(e.trigger.user).toBe('erin@example.com');
    expect(e.pipelineConfig).toBeUndefined();
    const by = Object.fromEntries(e.stages.map((s: any) => [s.refId, s]));
    for (const s of e.stages) {
      expect(s.status).toBe('SUCCEEDED');
      expect(typeof s.id).toBe('string');
      expect(typeof s.startTime).toBe('number');
      expect(typeof s.endTime).toBe('number');
    }
    expect(by.d.startTime).toBeGreaterThanOrEqual(by.c.endTime);
    expect(by.d.startTime).toBeGreaterThanOrEqual(by.b.endTime);
    expect(by.c.endTime - by.c.startTime).toBeGreaterThanOrEqual(1000);
    expect(by.d.requisiteStageRefIds).toEqual(['b', 'c']);
    const list = await h.api('GET', '/applications/dag/pipelines?limit=5&statuses=SUCCEEDED');
    expect(list.body.map((x: any) => x.id)).toContain(id);
    expect((await h.api('GET', '/applications/dag/pipelines?statuses=DONE')).status).toBe(400);
    expect((await h.api('GET', '/applications/dag/pipelines?limit=abc')).status).toBe(400);
  });

  it('resolves parameters from parameterConfig and names a missing required one', async () => {
    await h.api('POST', '/pipelines', judgmentPipeline({ application: 'params' }));
    const missing = await h.api('POST', '/pipelines/params/Deploy to production', { parameters: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('version');
    const id = await trigger('params', 'Deploy to production', { parameters: { version: '2.0.0' } });
    const e = (await h.api('GET', `/pipelines/${id}`)).body;
    expect(e.trigger.parameters).toEqual({ version: '2.0.0', region: 'eu-west-1' });
    expect((await h.api('POST', '/pipelines/params/nope', {})).status).toBe(404);
    await h.api('PUT', `/pipelines/${id}/cancel`);
  });

  it('judges through the PATCH, refuses a second decision with 409, and cancels', async () => {
    await h.api('POST', '/pipelines', judgmentPipeline({ application: 'patch' }));
    const id = await trigger('patch', 'Deploy to production', { parameters: { version: '1' } });
    const running = await waitFor('judgment stage RUNNING', async () => {
      const e = (await h.api('GET', `/pipelines/${id}`)).body;
      return e.stages[0].status === 'RUNNING' ? e : null;
    });
    const stageId = running.stages[0].id;
    expect((await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { judgmentStatus: 'maybe' })).status).toBe(400);
    expect((await h.api('PATCH', `/pipelines/${id}/stages/nope`, { judgmentStatus: 'continue' })).status).toBe(404);
    expect((await h.api('PATCH', `/pipelines/nope/stages/${stageId}`, { judgmentStatus: 'continue' })).status).toBe(404);
    const ok = await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { judgmentStatus: 'stop', judgmentInput: 'no' }, { 'x-spinnaker-user': 'frank@example.com' });
    expect(ok.status).toBe(200);
    const again = await h.api('PATCH', `/pipelines/${id}/stages/${stageId}`, { judgmentStatus: 'continue' });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('frank@example.com');
    const e = await runToEnd(id);
    expect(e.status).toBe('TERMINAL');
    expect(e.stages[0].context.lastModifiedBy).toBe('frank@example.com');

    const id2 = await trigger('patch', 'Deploy to production', { parameters: { version: '1' } });
    await waitFor('judgment stage RUNNING', async () => (await h.api('GET', `/pipelines/${id2}`)).body.stages[0].status === 'RUNNING');
    expect((await h.api('PUT', `/pipelines/${id2}/cancel?reason=wrong%20version`, undefined, { 'x-spinnaker-user': 'gina' })).status).toBe(200);
    const c = await runToEnd(id2);
    expect(c.status).toBe('CANCELED');
    expect(c.canceledBy).toBe('gina');
    expect(c.cancellationReason).toBe('wrong version');
    expect(c.stages[0].status).toBe('CANCELED');
    const late = await h.api('PATCH', `/pipelines/${id2}/stages/${c.stages[0].id}`, { judgmentStatus: 'continue' });
    expect(late.status).toBe(409);
  });

  it('reports health', async () => {
    const res = await h.api('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('UP');
  });
});
