/**
 * Tokens and secrets never appear in logs, errors or API answers: the whole flow runs with trace logging into
 * memory, including refused signatures, Slack failures and a bad request, and the captured text is searched.
 */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/service.js';
import { startHarness, waitFor, judgmentPipeline, SIGNING_SECRET, BOT_TOKEN } from '../support/harness.js';
import { blockActionsClick, signedSlackRequest } from '../support/slack-requests.js';

describe('secrets', () => {
  it('never shows the bot token or signing secret in logs or API answers', async () => {
    let logs = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const h = await startHarness({ logger: createLogger('trace', sink) });
    const answers: string[] = [];
    try {
      h.slack.failNext('chat.postMessage', 1, { error: 'not_in_channel' });
      await h.api('POST', '/pipelines', judgmentPipeline({}, { notifications: [{ type: 'slack', address: 'nobot', when: ['manualJudgment'] }, { type: 'slack', address: 'deploys', when: ['manualJudgment'] }] }));
      const trig = await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } });
      const id = trig.body.ref.replace('/pipelines/', '');
      await waitFor('a message', () => h.slack.messages().length === 1);
      const post = h.slack.callsTo('chat.postMessage').find((c) => c.outcome === 'ok' || c.args.channel === 'deploys')!;
      const stored = h.slack.messages()[0]!;
      const payload = blockActionsClick({ message: { blocks: post.args.blocks as unknown[] }, actionId: 'judgment:continue', user: { id: 'U0ALICE', name: 'alice' }, channel: stored.channel, ts: stored.ts, responseUrl: h.slack.responseUrl() });
      const bad = signedSlackRequest({ signingSecret: 'wrong', payload });
      const badRes = await fetch(`${h.service.url}/notifications/callbacks/slack`, { method: 'POST', headers: bad.headers, body: bad.body });
      answers.push(await badRes.text());
      const good = signedSlackRequest({ signingSecret: SIGNING_SECRET, payload });
      await fetch(`${h.service.url}/notifications/callbacks/slack`, { method: 'POST', headers: good.headers, body: good.body });
      await waitFor('SUCCEEDED', async () => (await h.api('GET', `/pipelines/${id}`)).body.status === 'SUCCEEDED');
      answers.push(JSON.stringify((await h.api('GET', `/pipelines/${id}`)).body));
      answers.push(JSON.stringify((await h.api('POST', '/pipelines', '{bad json')).body));
      answers.push(JSON.stringify((await h.api('GET', '/health')).body));
      await waitFor('the not_in_channel failure to be logged', () => logs.includes('not_in_channel'));
    } finally {
      await h.close();
    }
    expect(logs.length).toBeGreaterThan(1000);
    for (const text of [logs, ...answers]) {
      expect(text).not.toContain(BOT_TOKEN);
      expect(text).not.toContain(SIGNING_SECRET);
    }
    expect(logs).toContain('invite it with /invite @slackops');
  });
});
