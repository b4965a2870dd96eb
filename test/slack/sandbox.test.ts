/** The sandbox's Slack Web API answers, checked directly (the service-level path is in test/api/sandbox.test.ts). */
import { describe, expect, it } from 'vitest';
import { SANDBOX_MAX_ITEMS, SlackSandbox, sandboxChannelId } from '../../src/slack/sandbox/sandbox.js';
import { blockActionsPayload, viewSubmissionPayload } from '../../src/slack/sandbox/payloads.js';
import { rejectReasonModal } from '../../src/slack/blocks.js';
import { parseInteraction } from '../../src/slack/payload.js';

const sandbox = () => new SlackSandbox({ scopes: ['chat:write'] });

describe('SlackSandbox Web API', () => {
  it('answers like Slack: names become ids, chat.update needs the id, limits give invalid_blocks', () => {
    const sb = sandbox();
    const posted = sb.call('chat.postMessage', { channel: '#Deploys', text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] }).body;
    expect(posted).toMatchObject({ ok: true, channel: sandboxChannelId('deploys') });
    expect(sb.call('chat.update', { channel: 'deploys', ts: posted.ts, text: 'x' }).body).toEqual({ ok: false, error: 'channel_not_found' });
    expect(sb.call('chat.update', { channel: posted.channel, ts: '1.000001', text: 'x' }).body).toEqual({ ok: false, error: 'message_not_found' });
    expect(sb.call('chat.update', { channel: posted.channel, ts: posted.ts, text: 'edited' }).body).toMatchObject({ ok: true });
    expect(sb.message('deploys', posted.ts as string)).toMatchObject({ text: 'edited', updates: 1 });
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(sb.call('chat.postMessage', { channel: 'deploys', text: 'x', blocks: tooMany }).body).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(sb.call('chat.postMessage', { channel: 'deploys', text: 'r', thread_ts: '9.9' }).body).toEqual({ ok: false, error: 'thread_not_found' });
    expect(sb.call('users.info', { user: 'U0SANDBOXYOU' }).body).toMatchObject({ ok: true, user: { name: 'you', profile: { email: 'you@example.com' } } });
    expect(sb.call('users.info', { user: 'U0NOBODY' }).body).toEqual({ ok: false, error: 'user_not_found' });
    expect(sb.call('chat.delete', {}).body).toEqual({ ok: false, error: 'unknown_method' });
    expect(sb.call('auth.test', {}).headers).toEqual({ 'x-oauth-scopes': 'chat:write' });
    expect(sb.listChannels()).toEqual([{ id: sandboxChannelId('deploys'), name: 'deploys', messages: 1, latestTs: expect.stringMatching(/^\d{10}\.\d{6}$/) }]);
  });

  it('opens a view once per trigger_id, for the person who clicked', () => {
    const sb = sandbox();
    const view = rejectReasonModal({ executionId: 'e1', stageId: 's1', stageName: 'S', pipelineName: 'P', application: 'a', responseUrl: null, channelId: 'C1', messageTs: '1.1', failPipeline: true });
    expect(sb.call('views.open', { trigger_id: 'made-up', view }).body).toEqual({ ok: false, error: 'invalid_trigger_id' });
    const trigger = sb.newTrigger('U0SANDBOXBOB');
    const opened = sb.call('views.open', { trigger_id: trigger, view }).body;
    expect(opened).toMatchObject({ ok: true, view: { type: 'modal', callback_id: 'judgment:reject' } });
    expect(sb.call('views.open', { trigger_id: trigger, view }).body).toEqual({ ok: false, error: 'exchanged_trigger_id' });
    expect(sb.openViews('U0SANDBOXBOB')).toHaveLength(1);
    expect(sb.openViews('U0SANDBOXYOU')).toHaveLength(0);
    // Its submission parses as the service's own parser expects a reject reason.
    const payload = viewSubmissionPayload({ view: sb.openViews()[0]!.view, user: { id: 'U0SANDBOXBOB', name: 'bob', realName: 'Bob', email: null }, values: { reason: { reason: 'no' } }, triggerId: 't' });
    expect(parseInteraction(payload)).toMatchObject({ kind: 'reject_reason', executionId: 'e1', stageId: 's1', reason: 'no', slackUserId: 'U0SANDBOXBOB' });
  });

  it('builds block_actions from the stored button, as the service parses a Slack click', () => {
    const sb = sandbox();
    const blocks = [{ type: 'actions', block_id: 'judgment', elements: [{ type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' }, value: 'v1', style: 'primary' }] }];
    const posted = sb.call('chat.postMessage', { channel: 'deploys', text: 't', blocks }).body;
    const payload = blockActionsPayload({
      message: sb.message('deploys', posted.ts as string)!,
      channelName: 'deploys',
      actionId: 'go',
      user: { id: 'U0SANDBOXYOU', name: 'you', realName: 'You', email: 'you@example.com' },
      triggerId: 'tr',
      responseUrl: 'http://127.0.0.1/sandbox/slack/response/x',
      nowMs: 1_700_000_000_000,
    });
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0SANDBOXYOU', username: 'you' },
      container: { type: 'message', message_ts: posted.ts, channel_id: posted.channel },
      channel: { id: posted.channel, name: 'deploys' },
      trigger_id: 'tr',
      actions: [{ action_id: 'go', block_id: 'judgment', value: 'v1', style: 'primary', type: 'button', text: { type: 'plain_text', text: 'Go', emoji: true } }],
    });
    expect(() => blockActionsPayload({ ...{ message: sb.message('deploys', posted.ts as string)!, channelName: 'd', actionId: 'nope' }, user: { id: 'U', name: 'u', realName: 'u', email: null }, triggerId: 't', responseUrl: 'r', nowMs: 0 })).toThrow(/no button with action_id "nope"/);
  });

  it('keeps memory bounded: the oldest messages go first', () => {
    const sb = sandbox();
    for (let i = 0; i < SANDBOX_MAX_ITEMS + 5; i++) sb.call('chat.postMessage', { channel: 'deploys', text: `m${i}` });
    const list = sb.channelMessages('deploys');
    expect(list).toHaveLength(SANDBOX_MAX_ITEMS);
    expect(list[0]!.text).toBe('m5');
  });
});
