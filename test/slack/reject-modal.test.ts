/**
 * Reject with a reason: the modal (within Slack's view limits, escaped), its private_metadata, and the
 * view_submission / view_closed payloads parsed back — by hand, by fuzz, and end to end through the fake Slack's
 * views.open and the request builders.
 */
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JudgmentView } from '../../src/model/judgment.js';
import {
  checkModalLimits,
  judgmentMessage,
  MODAL_LIMITS,
  REJECT_REASON_MAX_LENGTH,
  rejectReasonModal,
  type RejectModalTarget,
} from '../../src/slack/blocks.js';
import { SlackApi, SlackApiError } from '../../src/slack/client.js';
import {
  decodeRejectMetadata,
  encodeRejectMetadata,
  parseInteraction,
  parseInteractionBody,
  parseJudgmentClick,
  REJECT_CALLBACK_ID,
  SlackPayloadError,
  type RejectSubmission,
} from '../../src/slack/payload.js';
import { verifySlackRequest } from '../../src/slack/signature.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { blockActionsClick, signedSlackRequest, viewClosed, viewSubmission } from '../support/slack-requests.js';

type Obj = Record<string, any>;

const target = (over: Partial<RejectModalTarget> = {}): RejectModalTarget => ({
  executionId: '01HEXEC',
  stageId: 'stage-1',
  stageName: 'Approve production',
  pipelineName: 'Deploy',
  application: 'checkout',
  responseUrl: 'https://hooks.slack.com/actions/T0FAKE/1/abc',
  channelId: 'C0DEPLOYS',
  messageTs: '1700000000.000100',
  ...over,
});

const BOB = { id: 'U0BOB', name: 'bob' };

function payloadError(fn: () => unknown): SlackPayloadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SlackPayloadError);
    return err as SlackPayloadError;
  }
  throw new Error('expected a SlackPayloadError, nothing was thrown');
}

describe('rejectReasonModal', () => {
  it('is a modal with callback_id judgment:reject, Reject/Cancel, a section and an optional reason field', () => {
    const m = rejectReasonModal(target());
    expect(m.type).toBe('modal');
    expect(m.callback_id).toBe('judgment:reject');
    expect(m.callback_id).toBe(REJECT_CALLBACK_ID);
    expect(m.title).toEqual({ type: 'plain_text', text: 'Reject', emoji: true });
    expect(m.submit).toEqual({ type: 'plain_text', text: 'Reject', emoji: true });
    expect(m.close).toEqual({ type: 'plain_text', text: 'Cancel', emoji: true });
    expect(m.notify_on_close).toBeUndefined();
    const [section, input] = m.blocks as Obj[];
    expect(section!.text).toEqual({
      type: 'mrkdwn',
      text: 'Reject stage *Approve production* of *checkout* / *Deploy*? The pipeline stops at this stage.',
      verbatim: true,
    });
    expect(input).toMatchObject({
      type: 'input',
      block_id: 'reason',
      optional: true,
      label: { type: 'plain_text', text: 'Reason' },
      element: { type: 'plain_text_input', action_id: 'reason', multiline: true, max_length: 2000 },
    });
    expect(REJECT_REASON_MAX_LENGTH).toBe(2000);
    expect(m.blocks).toHaveLength(2);
    expect(checkModalLimits(m)).toEqual([]);
  });

  it('carries the target compactly in private_metadata', () => {
    const m = rejectReasonModal(target());
    expect(m.private_metadata).toBe(
      'rj1:01HEXEC:stage-1:C0DEPLOYS:1700000000.000100:https%3A%2F%2Fhooks.slack.com%2Factions%2FT0FAKE%2F1%2Fabc',
    );
    expect(decodeRejectMetadata(m.private_metadata)).toEqual({
      executionId: '01HEXEC',
      stageId: 'stage-1',
      channelId: 'C0DEPLOYS',
      messageTs: '1700000000.000100',
      responseUrl: 'https://hooks.slack.com/actions/T0FAKE/1/abc',
    });
    expect(rejectReasonModal(target({ responseUrl: null, channelId: null, messageTs: undefined })).private_metadata).toBe(
      'rj1:01HEXEC:stage-1:::',
    );
  });

  it('escapes names in the section, so they cannot ping or link', () => {
    const m = rejectReasonModal(target({ stageName: '<!channel>', application: '<https://evil|x>', pipelineName: 'a & b\nc' }));
    expect((m.blocks[0] as Obj).text.text).toBe(
      'Reject stage *&lt;!channel&gt;* of *&lt;https://evil|x&gt;* / *a &amp; b c*? The pipeline stops at this stage.',
    );
  });

  it('drops a response_url that would not fit in 3,000 characters, and refuses what cannot be encoded', () => {
    const long = `https://hooks.slack.com/${'x'.repeat(3000)}`;
    const m = rejectReasonModal(target({ responseUrl: long }));
    expect(m.private_metadata!.length).toBeLessThanOrEqual(MODAL_LIMITS.privateMetadata);
    expect(decodeRejectMetadata(m.private_metadata)).toMatchObject({ responseUrl: null, channelId: 'C0DEPLOYS' });
    expect(() => rejectReasonModal(target({ executionId: '' }))).toThrow(RangeError);
    expect(() => rejectReasonModal(target({ stageId: '\uD800' }))).toThrow(/encodeRejectMetadata: stageId is not well-formed/);
    expect(() => rejectReasonModal(target({ executionId: 'é'.repeat(600) }))).toThrow(/3000/);
  });

  it('stays within modal limits and round-trips its metadata for any target (fuzz)', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 6000, unit: fc.constantFrom('&', '<', '>', '*', '\n', ' ', 'a', '|', '😀') }),
      fc.constantFrom('', '<!channel>'),
    );
    const id = fc.string({ minLength: 1, maxLength: 64, unit: fc.constantFrom('a', 'Z', '0', '-', ':', '%', 'é', '😀', ' ') });
    const opt = (a: fc.Arbitrary<string>) => fc.option(a, { nil: null });
    fc.assert(
      fc.property(
        fc.record({
          executionId: id,
          stageId: id,
          stageName: text,
          pipelineName: text,
          application: text,
          responseUrl: opt(fc.oneof(fc.webUrl(), fc.constant(`https://hooks.slack.com/${'y'.repeat(2900)}`))),
          channelId: opt(id),
          messageTs: opt(id),
        }),
        (t) => {
          const m = rejectReasonModal(t);
          expect(checkModalLimits(m)).toEqual([]);
          expect(JSON.stringify(m.blocks)).not.toMatch(/<(?!https?:)/);
          const back = decodeRejectMetadata(m.private_metadata);
          expect(back.executionId).toBe(t.executionId);
          expect(back.stageId).toBe(t.stageId);
          expect(back.channelId).toBe(t.channelId);
          expect(back.messageTs).toBe(t.messageTs);
          expect([t.responseUrl, null]).toContain(back.responseUrl);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('checkModalLimits', () => {
  it('reports each kind of violation', () => {
    const base = rejectReasonModal(target()) as unknown as Obj;
    expect(checkModalLimits({ ...base, title: { type: 'plain_text', text: 't'.repeat(25) } })).toEqual(['view.title.text: 25 characters > 24']);
    expect(checkModalLimits({ ...base, submit: { type: 'mrkdwn', text: 'Go' } })).toEqual(['view.submit.type: must be plain_text']);
    expect(checkModalLimits({ ...base, close: { type: 'plain_text', text: 'c'.repeat(25) } })).toEqual(['view.close.text: 25 characters > 24']);
    expect(checkModalLimits({ ...base, submit: undefined })).toEqual(['view.submit: required when the view has an input block']);
    expect(checkModalLimits({ ...base, private_metadata: 'm'.repeat(3001) })).toEqual([
      'view.private_metadata: not a string of at most 3000 characters',
    ]);
    expect(checkModalLimits({ ...base, callback_id: 'c'.repeat(256) })).toEqual(['view.callback_id: not a string of at most 255 characters']);
    expect(checkModalLimits({ ...base, type: 'home' })).toEqual(['view.type: "home" is not "modal"']);
    const input = (element: Obj, over: Obj = {}) => ({ ...base, blocks: [{ type: 'input', block_id: 'r', label: { type: 'plain_text', text: 'R' }, element, ...over }] });
    expect(checkModalLimits(input({ type: 'plain_text_input', action_id: 'r', max_length: 3001 }))).toEqual([
      'view.blocks[0].element.max_length: not an integer in 1..3000',
    ]);
    expect(checkModalLimits(input({ type: 'plain_text_input', action_id: 'r', min_length: 10, max_length: 5 }))).toEqual([
      'view.blocks[0].element.min_length: greater than max_length',
    ]);
    expect(checkModalLimits(input({ type: 'plain_text_input', action_id: 'r', placeholder: { type: 'plain_text', text: 'p'.repeat(151) } }))).toEqual([
      'view.blocks[0].element.placeholder.text: 151 characters > 150',
    ]);
    expect(checkModalLimits(input({ type: 'plain_text_input', action_id: 'r' }, { label: { type: 'plain_text', text: 'l'.repeat(2001) } }))).toEqual([
      'view.blocks[0].label.text: 2001 characters > 2000',
    ]);
    expect(checkModalLimits({ ...base, blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })), submit: base.submit })).toEqual([
      'view.blocks: 101 blocks > 100',
    ]);
    expect(checkModalLimits(null)).toEqual(['view: not an object']);
  });
});

describe('encodeRejectMetadata / decodeRejectMetadata', () => {
  it('survives the separator and non-ASCII in every part', () => {
    const m = { executionId: 'a:b%c', stageId: 'é/ü:🙂', channelId: 'C:1', messageTs: '1.2', responseUrl: 'https://x/y?z=1&w=:' };
    expect(decodeRejectMetadata(encodeRejectMetadata(m))).toEqual(m);
  });

  it('refuses malformed metadata with SlackPayloadError naming the field', () => {
    for (const bad of [42, null, '', 'rj1:E:S', 'rj2:E:S:::', 'rj1::S:::', 'rj1:E::::', 'rj1:E:S:%E0::', 'rj1:E:S:::%', 'rj1:E:S::::x', `rj1:${'e'.repeat(3000)}:S:::`]) {
      const e = payloadError(() => decodeRejectMetadata(bad));
      expect(e.field).toBe('view.private_metadata');
    }
  });
});

/** A view_submission built by hand (no fake), for a modal never opened. */
function submission(reason: string | null, over: Obj = {}): Obj {
  return viewSubmission({ view: { ...(rejectReasonModal(target()) as unknown as Obj), ...over }, user: BOB, reason });
}

describe('parseInteraction', () => {
  it('reads a reject submission: ids and where from the metadata, the reason trimmed', () => {
    const p = submission('  wrong build \n');
    const r = parseInteraction(p);
    expect(r).toEqual<RejectSubmission>({
      kind: 'reject_reason',
      executionId: '01HEXEC',
      stageId: 'stage-1',
      reason: 'wrong build',
      slackUserId: 'U0BOB',
      slackUserName: 'bob',
      teamId: 'T0FAKE',
      channelId: 'C0DEPLOYS',
      messageTs: '1700000000.000100',
      viewId: (p.view as Obj).id,
      responseUrl: 'https://hooks.slack.com/actions/T0FAKE/1/abc',
    });
    expect((p.view as Obj).id).toMatch(/^V/);
  });

  it('gives a null reason for an empty, blank or absent field', () => {
    expect(parseInteraction(submission(null))).toMatchObject({ kind: 'reject_reason', reason: null });
    expect(parseInteraction(submission('   \n'))).toMatchObject({ kind: 'reject_reason', reason: null });
    const p = submission('x');
    (p.view as Obj).state = { values: {} };
    expect(parseInteraction(p)).toMatchObject({ kind: 'reject_reason', reason: null });
  });

  it('keeps markup in the reason as typed (the renderers escape it)', () => {
    expect(parseInteraction(submission('<!channel> & <https://evil|x>'))).toMatchObject({ reason: '<!channel> & <https://evil|x>' });
  });

  it('ignores view_closed and submissions of other views', () => {
    const closed = viewClosed({ view: rejectReasonModal(target()), user: BOB });
    expect(closed).toMatchObject({ type: 'view_closed', is_cleared: false, user: { id: 'U0BOB' } });
    expect(parseInteraction(closed)).toEqual({ kind: 'ignored', reason: 'modal closed: nothing changes' });
    expect(parseInteraction({ type: 'view_closed', view: { callback_id: 'other' } })).toMatchObject({ kind: 'ignored' });
    expect(parseInteraction(submission('x', { callback_id: 'someone_else' }))).toMatchObject({
      kind: 'ignored',
      reason: 'view_submission of callback_id "someone_else" is not a SlackOps modal',
    });
    expect(parseInteraction({ type: 'view_submission', user: { id: 'U1' } })).toMatchObject({ kind: 'ignored' });
    expect(parseInteraction({ type: 'shortcut' })).toMatchObject({ kind: 'ignored' });
  });

  it('names the field when a reject submission is malformed', () => {
    const noUser = submission('x');
    delete noUser.user;
    expect(payloadError(() => parseInteraction(noUser)).field).toBe('user');
    expect(payloadError(() => parseInteraction(submission('x', { private_metadata: 'mj1:c:-:E:S' }))).field).toBe('view.private_metadata');
    const noMeta = submission('x');
    delete (noMeta.view as Obj).private_metadata;
    expect(payloadError(() => parseInteraction(noMeta)).field).toBe('view.private_metadata');
    const numeric = submission('x');
    (numeric.view as Obj).state.values.reason.reason.value = 42;
    expect(payloadError(() => parseInteraction(numeric)).field).toBe('view.state.values.reason.reason.value');
    expect(payloadError(() => parseInteraction([] as unknown as Obj)).field).toBe('payload');
  });

  it('delegates button clicks to parseJudgmentClick', () => {
    const blocks = judgmentMessage({
      application: 'checkout',
      pipelineName: 'Deploy',
      executionId: '01HEXEC',
      stageId: 'stage-1',
      refId: '1',
      stageName: 'Approve production',
      triggeredBy: 'dave',
      instructions: null,
      parameters: {},
      judgmentInputs: [],
      executionUrl: 'https://ui.example.com/e',
      decision: null,
    }).blocks;
    const click = blockActionsClick({ message: blocks, actionId: 'judgment:stop', user: BOB, channel: 'C1', ts: '1.1' });
    expect(parseInteraction(click)).toEqual(parseJudgmentClick(click));
    expect(parseInteraction(click)).toMatchObject({ kind: 'judgment', judgmentStatus: 'stop', actionId: 'judgment:stop', triggerId: expect.any(String) });
  });

  describe('never throws anything but SlackPayloadError (fuzz)', () => {
    const check = (input: unknown): void => {
      try {
        const r = parseInteraction(input as Record<string, unknown>);
        expect(['judgment', 'reject_reason', 'ignored']).toContain(r.kind);
        if (r.kind === 'reject_reason') {
          expect(r.executionId.length).toBeGreaterThan(0);
          expect(r.stageId.length).toBeGreaterThan(0);
          expect(typeof r.slackUserId).toBe('string');
          if (r.reason !== null) {
            expect(r.reason).toBe(r.reason.trim());
            expect(r.reason).not.toBe('');
          }
        }
      } catch (err) {
        if (!(err instanceof SlackPayloadError)) throw err;
        expect(err.field.length).toBeGreaterThan(0);
      }
    };

    it('for any JSON value', () => {
      fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 1500 });
    });

    it('for payloads shaped like view submissions and closes', () => {
      const anyish = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
      const id = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('E', 'a:b', '%', '%E0', ''));
      const metadata = fc.oneof(
        anyish,
        fc.tuple(fc.constantFrom('rj1', 'rj2', 'mj1'), id, id, id, id, id).map((parts) => parts.join(':')),
        fc.constant(encodeRejectMetadata({ executionId: 'E', stageId: 'S' })),
      );
      const value = fc.oneof(anyish, fc.string({ maxLength: 30 }), fc.constantFrom('  ', '\n'));
      const values = fc.oneof(
        anyish,
        fc.record({ reason: fc.oneof(anyish, fc.record({ reason: fc.oneof(anyish, fc.record({ type: anyish, value }, { requiredKeys: [] })) }, { requiredKeys: [] })) }, { requiredKeys: [] }),
      );
      const view = fc.oneof(
        anyish,
        fc.record(
          {
            id: anyish,
            team_id: anyish,
            callback_id: fc.oneof(anyish, fc.constant(REJECT_CALLBACK_ID)),
            private_metadata: metadata,
            state: fc.oneof(anyish, fc.record({ values }, { requiredKeys: [] })),
          },
          { requiredKeys: [] },
        ),
      );
      const payload = fc.record(
        {
          type: fc.constantFrom('view_submission', 'view_closed', 'block_actions'),
          user: fc.oneof(anyish, fc.record({ id: anyish, name: anyish, username: anyish, team_id: anyish }, { requiredKeys: [] })),
          team: anyish,
          view,
          actions: anyish,
        },
        { requiredKeys: ['type'] },
      );
      fc.assert(fc.property(payload, check), { numRuns: 3000 });
    });
  });
});

describe('through the fake Slack: click Reject → views.open → submit / close', () => {
  let fake: FakeSlack;
  let api: SlackApi;
  beforeAll(async () => {
    fake = await startFakeSlack({ token: 'xoxb-t', expiredTriggerIds: ['1.2.expired'] });
    api = new SlackApi({ token: 'xoxb-t', baseUrl: fake.baseUrl, timeoutMs: 2000 });
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  const jview: JudgmentView = {
    application: 'checkout',
    pipelineName: 'Deploy',
    executionId: '01HEXEC',
    stageId: 'stage-1',
    refId: '1',
    stageName: 'Approve production',
    triggeredBy: 'dave',
    instructions: null,
    parameters: {},
    judgmentInputs: [],
    executionUrl: 'https://ui.example.com/e',
    decision: null,
  };

  it('round-trips: the submitted reason comes back with the judgment and the message it came from', async () => {
    const ref = await api.postMessage('deploys', judgmentMessage(jview));
    const click = parseJudgmentClick(
      blockActionsClick({
        message: fake.message(ref.channel, ref.ts)!,
        actionId: 'judgment:stop',
        user: BOB,
        channel: ref.channel,
        ts: ref.ts,
        responseUrl: fake.responseUrl(),
      }),
    );
    if (click.kind !== 'judgment') throw new Error('not a click');
    const modal = rejectReasonModal({
      executionId: click.executionId,
      stageId: click.stageId,
      stageName: jview.stageName,
      pipelineName: jview.pipelineName,
      application: jview.application,
      responseUrl: click.responseUrl,
      channelId: click.channelId,
      messageTs: click.messageTs,
    });
    const { viewId } = await api.openView(click.triggerId!, modal);

    const [opened] = fake.views();
    expect(opened).toMatchObject({ id: viewId, triggerId: click.triggerId });
    expect(opened!.view).toMatchObject({ id: viewId, type: 'modal', callback_id: 'judgment:reject', private_metadata: modal.private_metadata });
    expect(fake.callsTo('views.open')[0]!.args.view).toEqual(modal);

    const payload = viewSubmission({ view: opened!, user: BOB, reason: 'Breaks checkout <!channel>' });
    const { body, headers } = signedSlackRequest({ signingSecret: 'shh', payload, timestamp: 1_700_000_000 });
    verifySlackRequest({ signingSecret: 'shh', signature: headers['x-slack-signature'], timestamp: headers['x-slack-request-timestamp'], rawBody: body, nowMs: 1_700_000_001_000 });
    expect(parseInteraction(parseInteractionBody(body))).toEqual<RejectSubmission>({
      kind: 'reject_reason',
      executionId: '01HEXEC',
      stageId: 'stage-1',
      reason: 'Breaks checkout <!channel>',
      slackUserId: 'U0BOB',
      slackUserName: 'bob',
      teamId: 'T0FAKE',
      channelId: ref.channel,
      messageTs: ref.ts,
      viewId,
      responseUrl: click.responseUrl,
    });
    // The same view, as recorded, or its inner object, build the same submission.
    expect(parseInteraction(viewSubmission({ view: opened!.view, user: BOB, reason: null }))).toMatchObject({ viewId, reason: null });

    const closed = viewClosed({ view: opened!, user: BOB });
    expect((closed.view as Obj).id).toBe(viewId);
    expect(parseInteraction(closed)).toEqual({ kind: 'ignored', reason: 'modal closed: nothing changes' });
  });

  it('answers expired and already-used trigger ids, and views Slack would refuse, like Slack', async () => {
    await expect(api.openView('1.2.expired', rejectReasonModal(target()))).rejects.toMatchObject({ code: 'expired_trigger_id', retryable: false });
    await api.openView('1.2.once', rejectReasonModal(target()));
    await expect(api.openView('1.2.once', rejectReasonModal(target()))).rejects.toMatchObject({ code: 'exchanged_trigger_id' });
    const tooLong = { ...rejectReasonModal(target()), title: { type: 'plain_text' as const, text: 'A title far longer than 24' } };
    const err = await api.openView('1.2.other', tooLong).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackApiError);
    expect((err as SlackApiError).code).toBe('invalid_arguments');
    expect(fake.views()).toHaveLength(1);
    fake.failNext('views.open', 1, { error: 'expired_trigger_id' });
    await expect(api.openView('1.2.fresh', rejectReasonModal(target()))).rejects.toMatchObject({ code: 'expired_trigger_id' });
  });

  it('viewSubmission refuses a view without a text input', () => {
    expect(() => viewSubmission({ view: { type: 'modal', blocks: [] }, user: BOB, reason: 'x' })).toThrow(/no input block/);
  });
});

