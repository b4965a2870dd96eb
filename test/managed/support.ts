/**
 * Helpers for the managed delivery tests: a deploy pipeline, a delivery config (spinnaker.yml), version
 * registration and polling of the application view — all through the real HTTP API of a harness service.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createService } from '../../src/service.js';
import { blockActionsClick, signedSlackRequest } from '../support/slack-requests.js';
import { BOT_TOKEN, SIGNING_SECRET, httpCall, waitFor, type Harness } from '../support/harness.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';

/** A deploy pipeline: a precondition that fails for versions containing "bad" (a failed deploy), then a wait. */
export function deployPipeline(name = 'Deploy') {
  return {
    application: 'checkout',
    name,
    parameterConfig: [{ name: 'artifactVersion', required: true }, { name: 'artifactReference' }, { name: 'environment' }, { name: 'region', default: 'eu-west-1' }],
    stages: [
      {
        refId: '1',
        requisiteStageRefIds: [],
        type: 'checkPreconditions',
        name: 'Check version',
        preconditions: [{ type: 'expression', context: { expression: "${!parameters.artifactVersion.contains('bad')}" } }],
      },
      { refId: '2', requisiteStageRefIds: ['1'], type: 'wait', name: 'Roll out', waitTime: 0 },
    ],
  };
}

/** The spinnaker.yml of the README (test → prod with depends-on and a manual judgement posting to #deploys). */
export const SPINNAKER_YML = `
name: checkout-delivery
application: checkout
artifacts:
  - name: checkout-api
    type: docker
    reference: api
environments:
  - name: test
    deploy:
      pipeline: Deploy
  - name: prod
    constraints:
      - type: depends-on
        environment: test
      - type: manual-judgement
        timeout: P5D
    notifications:
      - type: slack
        address: "#deploys"
        frequency: normal
    deploy:
      pipeline: Deploy
      parameters:
        region: us-east-1
`;

export async function setUp(h: Harness, yml = SPINNAKER_YML): Promise<void> {
  expect((await h.api('POST', '/pipelines', deployPipeline())).status).toBe(200);
  const res = await h.api('POST', '/managed/delivery-configs', yml, { 'content-type': 'application/x-yaml' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function register(h: Harness, version: string, extra: Record<string, unknown> = {}, reference = 'api') {
  const res = await h.api('POST', `/managed/application/checkout/artifacts/${reference}/versions`, {
    version,
    gitMetadata: { commit: `abc${version.replace(/\W/g, '')}def0123`, author: 'dana', message: `Release ${version}`, branch: 'main', repo: 'shop/checkout', pullRequest: { number: '42', url: 'https://git.example.com/shop/checkout/pull/42' } },
    buildMetadata: { number: '17', url: 'https://ci.example.com/job/checkout/17' },
    ...extra,
  });
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  return res;
}

/** The state of `version` in `env` from `GET /managed/application/checkout`. */
export async function stateOf(h: Harness, env: string, version: string, reference = 'api'): Promise<string | undefined> {
  const res = await h.api('GET', '/managed/application/checkout');
  const e = (res.body.environments as any[]).find((x) => x.name === env);
  const a = (e.artifacts as any[]).find((x) => x.reference === reference);
  return (a.versions as any[]).find((v) => v.version === version)?.state;
}

export async function waitState(h: Harness, env: string, version: string, state: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(`${version} ${state} in ${env}`, async () => (await stateOf(h, env, version)) === state, timeoutMs);
}

/** Top-level judgement messages posted to a channel. */
export function judgementPosts(h: Harness, channel = 'deploys') {
  return h.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts && c.args.channel === channel && JSON.stringify(c.args.blocks ?? []).includes('managed:approve'));
}

/** The posted message (as the fake keeps it now) whose buttons name `version`. */
export function messageFor(h: Harness, version: string) {
  return h.slack.messages().find((m) => JSON.stringify(m.blocks ?? []).includes(`version *${version}*`));
}

/**
 * Clicks `actionId` on the judgement message of `version`, as `user`, with the buttons as first posted (a person
 * whose Slack has not redrawn the message yet can still click them).
 */
export async function clickJudgement(h: Harness, version: string, actionId: 'managed:approve' | 'managed:reject', user = { id: 'U0ALICE', name: 'alice' }) {
  const m = await waitFor(`the judgement message for ${version}`, () => messageFor(h, version));
  const post = judgementPosts(h).find((c) => JSON.stringify(c.args.blocks).includes(`version *${version}*`))!;
  const payload = blockActionsClick({ message: { blocks: post.args.blocks as unknown[] }, actionId, user, channel: m.channel, ts: m.ts, responseUrl: h.slack.responseUrl() });
  const res = await h.send(payload);
  expect(res.status).toBe(200);
}

/** Executions of the deploy pipeline, newest first. */
export async function deployExecutions(h: Harness): Promise<any[]> {
  const res = await h.api('GET', '/applications/checkout/pipelines?limit=50');
  return (res.body as any[]).filter((e) => e.name === 'Deploy');
}

/** A movable clock for managed delivery's constraints (timeouts, allowed-times); starts at `start` (epoch ms). */
export class FakeClock {
  constructor(public now: number) {}
  readonly fn = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

/**
 * A harness like `startHarness` whose managed delivery runs on `clock` (the engine, outbox and Slack keep real
 * time). Same fake Slack users; `slack`/`dir` reuse a fake and a database directory (for restarts).
 */
export async function startClockHarness(clock: FakeClock, opts: { slack?: FakeSlack; dir?: string } = {}): Promise<Harness> {
  const slack = opts.slack ?? (await startFakeSlack({ token: BOT_TOKEN, users: { U0ALICE: { name: 'alice', email: 'alice@example.com', realName: 'Alice' }, U0BOB: { name: 'bob', email: 'bob@example.com', realName: 'Bob' } } }));
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'slackops-managed-'));
  const config = parseConfig(
    {
      server: { host: '127.0.0.1', port: 0, publicUrl: 'https://slackops.example.com' },
      database: { url: `sqlite:${join(dir, 'slackops.db')}` },
      slack: { enabled: true, token: BOT_TOKEN, signingSecret: SIGNING_SECRET, baseUrl: slack.baseUrl },
      logging: { level: 'silent' },
    },
    {},
  );
  const service = await createService(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), managedClock: clock.fn });
  await service.start();
  const send = async (payload: object) => {
    const req = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
    return fetch(`${service.url}/notifications/callbacks/slack`, { method: 'POST', headers: req.headers, body: req.body });
  };
  const unsupported = async (): Promise<never> => {
    throw new Error('not supported by startClockHarness');
  };
  return {
    service,
    slack,
    dir,
    config,
    api: (method, path, body, headers) => httpCall(service.url, method, path, body, headers),
    judgmentMessage: unsupported,
    click: unsupported,
    send,
    async close() {
      await service.stop();
      if (!opts.slack) await slack.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
