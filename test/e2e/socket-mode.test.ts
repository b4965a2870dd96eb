/**
 * Socket Mode: a click arriving over Slack's WebSocket (fake Socket Mode server on loopback) judges the stage
 * through the same handler as the HTTP callback, and is acknowledged only once recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, judgmentPipeline, type Harness } from '../support/harness.js';
import { startFakeSlack } from '../support/fake-slack.js';
import { attachFakeSocketMode, FAKE_APP_TOKEN } from '../support/fake-socket-mode.js';
import { blockActionsClick } from '../support/slack-requests.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('Socket Mode', () => {
  it('judges a stage from a click delivered over the WebSocket, with no HTTP callback', async () => {
    const slack = await startFakeSlack({ users: { U0ALICE: { name: 'alice', email: 'alice@example.com' } } });
    const socket = await attachFakeSocketMode(slack);
    try {
      h = await startHarness({ slack, config: { slack: { socketMode: true, appToken: FAKE_APP_TOKEN, signingSecret: '' } } });
      expect(socket.connections).toBe(1);
      // the HTTP callback is off without a signing secret, and says why
      const off = await fetch(`${h.service.url}/notifications/callbacks/slack`, { method: 'POST', body: 'payload=%7B%7D', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(off.status).toBe(404);
      expect(await off.text()).toContain('Socket Mode');

      await h.api('POST', '/pipelines', judgmentPipeline());
      const trig = await h.api('POST', '/pipelines/checkout/Deploy to production', { parameters: { version: '1' } });
      const id = trig.body.ref.replace('/pipelines/', '');
      const m = await h.judgmentMessage();
      const payload = blockActionsClick({ message: { blocks: m.blocks }, actionId: 'judgment:continue', user: { id: 'U0ALICE', name: 'alice' }, channel: m.channel, ts: m.ts, responseUrl: slack.responseUrl() });
      const delivery = await socket.sendInteractive(payload);
      expect(delivery.acked).toBe(true);
      const e = await waitFor('SUCCEEDED', async () => {
        const x = (await h!.api('GET', `/pipelines/${id}`)).body;
        return x.status === 'SUCCEEDED' ? x : null;
      });
      expect(e.stages[0].context.lastModifiedBy).toBe('alice@example.com');
      expect(e.stages[0].context.judgments[0].via).toBe('slack');
      await waitFor('message updated', () => slack.callsTo('chat.update').length === 1);
    } finally {
      await h?.close();
      h = null;
      await socket.close();
      await slack.close();
    }
  });
});
