import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeButtonValue,
  encodeButtonValue,
  parseInteractionBody,
  parseJudgmentClick,
  parseLegacyCallbackId,
  SlackPayloadError,
  type JudgmentClick,
} from '../../src/slack/payload.js';
import { fixture } from '../support/fixtures.js';

const blockActionsFixture = fixture<{ payload: Record<string, unknown> }>('slack-block-actions.json').payload;
const legacyFixture = fixture<{ payload: Record<string, unknown> }>('slack-interactive-message.json').payload;

function payloadError(fn: () => unknown): SlackPayloadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SlackPayloadError);
    return err as SlackPayloadError;
  }
  throw new Error('expected a SlackPayloadError, nothing was thrown');
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** The block_actions fixture with the clicked action's value replaced by a real encoded value. */
function realBlockActions(value: string, actionId = 'judgment:continue'): Record<string, unknown> {
  const p = clone(blockActionsFixture);
  const actions = p.actions as Array<Record<string, unknown>>;
  actions[0]!.value = value;
  actions[0]!.action_id = actionId;
  return p;
}

describe('parseInteractionBody', () => {
  it('decodes the payload form field', () => {
    const body = new URLSearchParams({ payload: JSON.stringify(blockActionsFixture) }).toString();
    expect(parseInteractionBody(body)).toEqual(blockActionsFixture);
  });

  it("decodes '+' as a space, as form encoding does", () => {
    expect(parseInteractionBody('payload=%7B%22a%22%3A%22x+y%22%7D')).toEqual({ a: 'x y' });
  });

  it('refuses a missing field, bad JSON, a non-object, a repeated field', () => {
    expect(payloadError(() => parseInteractionBody('token=abc')).field).toBe('payload');
    expect(payloadError(() => parseInteractionBody('')).message).toContain('payload');
    expect(payloadError(() => parseInteractionBody('payload=%7Bnot-json')).message).toMatch(/payload.*not valid JSON/);
    expect(payloadError(() => parseInteractionBody('payload=%5B1%2C2%5D')).message).toContain('not an object');
    expect(payloadError(() => parseInteractionBody('payload=null')).message).toContain('not an object');
    expect(payloadError(() => parseInteractionBody('payload=%7B%7D&payload=%7B%7D')).message).toContain('repeated');
  });
});

describe('encodeButtonValue / decodeButtonValue', () => {
  it('round-trips, compactly', () => {
    const v = { executionId: '01HZX3EXAMPLE', stageId: 'mj-stage-1', judgmentStatus: 'continue' as const, inputIndex: 3 };
    const s = encodeButtonValue(v);
    expect(s).toBe('mj1:c:3:01HZX3EXAMPLE:mj-stage-1');
    expect(decodeButtonValue(s)).toEqual(v);
    expect(encodeButtonValue({ ...v, judgmentStatus: 'stop', inputIndex: null })).toBe('mj1:s:-:01HZX3EXAMPLE:mj-stage-1');
  });

  it('survives ids containing the separator and non-ASCII', () => {
    const v = { executionId: 'a:b%c', stageId: 'é/ü:🙂', judgmentStatus: 'stop' as const, inputIndex: null };
    expect(decodeButtonValue(encodeButtonValue(v))).toEqual(v);
  });

  it('stays under 2,000 characters for any ids of up to 64 characters (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }),
        fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }),
        fc.constantFrom('continue' as const, 'stop' as const),
        fc.option(fc.nat({ max: 999_999 }), { nil: null }),
        (executionId, stageId, judgmentStatus, inputIndex) => {
          const v = { executionId, stageId, judgmentStatus, inputIndex };
          let s: string;
          try {
            s = encodeButtonValue(v);
          } catch (err) {
            // Only ids with lone surrogates cannot be percent-encoded.
            expect(err).toBeInstanceOf(RangeError);
            expect((err as Error).message).toMatch(/lone surrogate/);
            return;
          }
          expect(s.length).toBeLessThanOrEqual(2000);
          expect(decodeButtonValue(s)).toEqual(v);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses what it cannot encode', () => {
    expect(() => encodeButtonValue({ executionId: '', stageId: 's', judgmentStatus: 'stop', inputIndex: null })).toThrow(RangeError);
    expect(() => encodeButtonValue({ executionId: 'e', stageId: 's', judgmentStatus: 'stop', inputIndex: -1 })).toThrow(RangeError);
    expect(() => encodeButtonValue({ executionId: 'e', stageId: 's', judgmentStatus: 'stop', inputIndex: 1.5 })).toThrow(RangeError);
    expect(() => encodeButtonValue({ executionId: 'x'.repeat(2000), stageId: 's', judgmentStatus: 'stop', inputIndex: null })).toThrow(
      /2000/,
    );
  });

  it('refuses malformed values with SlackPayloadError naming the field', () => {
    const bad = [
      'opaque-value-chosen-by-the-app',
      '',
      'mj1:c:-:exec',
      'mj1:x:-:exec:stage',
      'mj2:c:-:exec:stage',
      'mj1:c:01:exec:stage',
      'mj1:c:1000000:exec:stage',
      'mj1:c:-1:exec:stage',
      'mj1:c:-::stage',
      'mj1:c:-:exec:%E0%A4%A',
      'mj1:c:-:exec:stage:extra',
      `mj1:c:-:${'e'.repeat(2000)}:s`,
    ];
    for (const s of bad) {
      const e = payloadError(() => decodeButtonValue(s, 'actions[0].value'));
      expect(e.field).toBe('actions[0].value');
      expect(e.message).toContain('actions[0].value');
    }
    expect(payloadError(() => decodeButtonValue(42)).field).toBe('value');
  });
});

describe('parseJudgmentClick: block_actions', () => {
  it("refuses the fixture's opaque value as a malformed judgment click", () => {
    // The fixture's action_id is ours (judgment:continue) but its value is not our encoding: a judgment click
    // whose value cannot be trusted to name an execution — 400, not silently ignored.
    const e = payloadError(() => parseJudgmentClick(blockActionsFixture));
    expect(e.field).toBe('actions[0].value');
  });

  it('reads a real click in the fixture shape', () => {
    const value = encodeButtonValue({ executionId: '01HEXEC', stageId: 'stage-7', judgmentStatus: 'continue', inputIndex: null });
    const click = parseJudgmentClick(realBlockActions(value));
    expect(click).toEqual<JudgmentClick>({
      kind: 'judgment',
      payloadType: 'block_actions',
      executionId: '01HEXEC',
      stageId: 'stage-7',
      judgmentStatus: 'continue',
      inputIndex: null,
      slackUserId: 'U0ALICE',
      slackUserName: 'alice',
      teamId: 'T0ACME',
      channelId: 'C0DEMO',
      messageTs: '1700000000.000100',
      responseUrl: 'https://hooks.slack.com/actions/T0ACME/1234567890/abcdefghijklmnop',
      triggerId: '1700000001.1.abcdef',
      actionId: 'judgment:continue',
    });
  });

  it('reads a reject and an input choice', () => {
    const stop = encodeButtonValue({ executionId: 'E', stageId: 'S', judgmentStatus: 'stop', inputIndex: null });
    expect(parseJudgmentClick(realBlockActions(stop, 'judgment:stop'))).toMatchObject({ judgmentStatus: 'stop', inputIndex: null });
    const input = encodeButtonValue({ executionId: 'E', stageId: 'S', judgmentStatus: 'continue', inputIndex: 12 });
    expect(parseJudgmentClick(realBlockActions(input, 'judgment:continue:12'))).toMatchObject({
      judgmentStatus: 'continue',
      inputIndex: 12,
      actionId: 'judgment:continue:12',
    });
  });

  it('takes the first judgment action whose value decodes', () => {
    const good = encodeButtonValue({ executionId: 'E2', stageId: 'S2', judgmentStatus: 'stop', inputIndex: null });
    const p = clone(blockActionsFixture);
    p.actions = [
      { action_id: 'open_execution', type: 'button' },
      { action_id: 'judgment:continue', value: 'garbage', type: 'button' },
      { action_id: 'judgment:stop', value: good, type: 'button' },
    ];
    expect(parseJudgmentClick(p)).toMatchObject({ executionId: 'E2', judgmentStatus: 'stop', actionId: 'judgment:stop' });
  });

  it('refuses an action_id that disagrees with the value', () => {
    const cont = encodeButtonValue({ executionId: 'E', stageId: 'S', judgmentStatus: 'continue', inputIndex: 1 });
    expect(payloadError(() => parseJudgmentClick(realBlockActions(cont, 'judgment:stop'))).field).toBe('actions[0].action_id');
    expect(payloadError(() => parseJudgmentClick(realBlockActions(cont, 'judgment:continue:2'))).field).toBe(
      'actions[0].action_id',
    );
  });

  it('ignores clicks on other buttons (e.g. the View execution link)', () => {
    const p = clone(blockActionsFixture);
    p.actions = [{ action_id: 'open_execution', type: 'button', block_id: 'b' }];
    expect(parseJudgmentClick(p)).toMatchObject({ kind: 'ignored' });
  });

  it('names the field when a judgment click is malformed', () => {
    const value = encodeButtonValue({ executionId: 'E', stageId: 'S', judgmentStatus: 'continue', inputIndex: null });
    const noUser = realBlockActions(value);
    delete noUser.user;
    expect(payloadError(() => parseJudgmentClick(noUser)).field).toBe('user');
    const noUserId = realBlockActions(value);
    noUserId.user = { name: 'alice' };
    expect(payloadError(() => parseJudgmentClick(noUserId)).field).toBe('user.id');
    const noActions = clone(blockActionsFixture);
    delete noActions.actions;
    expect(payloadError(() => parseJudgmentClick(noActions)).field).toBe('actions');
    const actionsNotArray = clone(blockActionsFixture);
    actionsNotArray.actions = { 0: {} };
    expect(payloadError(() => parseJudgmentClick(actionsNotArray)).field).toBe('actions');
  });

  it('falls back to container fields and the user name', () => {
    const value = encodeButtonValue({ executionId: 'E', stageId: 'S', judgmentStatus: 'continue', inputIndex: null });
    const p = realBlockActions(value);
    delete p.channel;
    delete p.team;
    delete p.response_url;
    p.user = { id: 'U9', name: 'bob', team_id: 'T9' };
    expect(parseJudgmentClick(p)).toMatchObject({
      channelId: 'C0DEMO',
      teamId: 'T9',
      slackUserName: 'bob',
      responseUrl: null,
    });
  });
});

describe('parseJudgmentClick: interactive_message (legacy)', () => {
  it("ignores the fixture's echo-shaped callback_id, which names no stage", () => {
    const r = parseJudgmentClick(legacyFixture);
    expect(r.kind).toBe('ignored');
    expect((r as { reason: string }).reason).toContain('<serviceId>:<messageId>');
  });

  it('reads slackops:<executionId>:<stageId> with yes/no/approve/reject/continue/stop', () => {
    const cases: Array<[string, 'continue' | 'stop']> = [
      ['yes', 'continue'],
      ['approve', 'continue'],
      ['continue', 'continue'],
      ['Continue', 'continue'],
      ['no', 'stop'],
      ['reject', 'stop'],
      ['stop', 'stop'],
    ];
    for (const [word, status] of cases) {
      const p = clone(legacyFixture);
      p.callback_id = 'slackops:01HEXEC:stage-7';
      p.actions = [{ name: 'approval', type: 'button', value: word }];
      expect(parseJudgmentClick(p)).toEqual<JudgmentClick>({
        kind: 'judgment',
        payloadType: 'interactive_message',
        executionId: '01HEXEC',
        stageId: 'stage-7',
        judgmentStatus: status,
        inputIndex: null,
        slackUserId: 'U0ALICE',
        slackUserName: 'alice',
        teamId: 'T0ACME',
        channelId: 'C0DEMO',
        messageTs: '1700000000.000100',
        responseUrl: 'https://hooks.slack.com/actions/T0ACME/1234567890/abcdefghijklmnop',
        triggerId: '1700000001.1.abcdef',
        actionId: 'approval',
      });
    }
  });

  it('reads orca:<executionId>:<stageId> and an encoded value under any callback_id', () => {
    const p = clone(legacyFixture);
    p.callback_id = 'orca:01HEXEC:stage-7';
    expect(parseJudgmentClick(p)).toMatchObject({ kind: 'judgment', executionId: '01HEXEC', stageId: 'stage-7', judgmentStatus: 'continue' });

    const q = clone(legacyFixture);
    q.actions = [{ name: 'approval', type: 'button', value: encodeButtonValue({ executionId: 'X', stageId: 'Y', judgmentStatus: 'stop', inputIndex: 2 }) }];
    expect(parseJudgmentClick(q)).toMatchObject({ kind: 'judgment', executionId: 'X', stageId: 'Y', judgmentStatus: 'stop', inputIndex: 2 });
  });

  it('refuses malformed legacy judgment clicks', () => {
    const p = clone(legacyFixture);
    p.callback_id = 'slackops:onlyone';
    expect(payloadError(() => parseJudgmentClick(p)).field).toBe('callback_id');
    const q = clone(legacyFixture);
    q.callback_id = 'slackops:E:S';
    q.actions = [{ name: 'approval', type: 'button', value: 'maybe' }];
    expect(payloadError(() => parseJudgmentClick(q)).field).toBe('actions[0].value');
    const r = clone(legacyFixture);
    r.callback_id = 'slackops:E:S';
    r.user = { name: 'alice' };
    expect(payloadError(() => parseJudgmentClick(r)).field).toBe('user.id');
    const s = clone(legacyFixture);
    s.callback_id = 'slackops:E:S';
    delete s.actions;
    expect(payloadError(() => parseJudgmentClick(s)).field).toBe('actions');
    const t = clone(legacyFixture);
    t.callback_id = 'slackops:E:S';
    t.actions = [{ name: 'x', type: 'button', value: encodeButtonValue({ executionId: 'OTHER', stageId: 'S', judgmentStatus: 'stop', inputIndex: null }) }];
    expect(payloadError(() => parseJudgmentClick(t)).field).toBe('callback_id');
  });

  it('parseLegacyCallbackId accepts only shapes that carry an execution and a stage', () => {
    expect(parseLegacyCallbackId('slackops:E:S')).toEqual({ executionId: 'E', stageId: 'S' });
    expect(parseLegacyCallbackId('slackops:a%3Ab:S')).toEqual({ executionId: 'a:b', stageId: 'S' });
    expect(parseLegacyCallbackId('orca:E:S')).toEqual({ executionId: 'E', stageId: 'S' });
    expect(parseLegacyCallbackId('orca:01HZX3EXAMPLE')).toBeNull();
    expect(parseLegacyCallbackId('keel:abc')).toBeNull();
    expect(parseLegacyCallbackId('something-else')).toBeNull();
  });
});

describe('parseJudgmentClick: other payloads', () => {
  it('ignores other interaction types and typeless payloads', () => {
    for (const type of ['view_submission', 'shortcut', 'message_action', 'view_closed', 'block_suggestion']) {
      expect(parseJudgmentClick({ type, user: { id: 'U1' } })).toMatchObject({ kind: 'ignored' });
    }
    expect(parseJudgmentClick({})).toMatchObject({ kind: 'ignored', reason: 'payload has no type' });
    expect(parseJudgmentClick({ type: 42 })).toMatchObject({ kind: 'ignored' });
  });

  it('does not read inherited properties of the payload', () => {
    expect(parseJudgmentClick(JSON.parse('{"type":"interactive_message","callback_id":"constructor"}'))).toMatchObject({
      kind: 'ignored',
    });
  });
});

describe('parseJudgmentClick never throws anything but SlackPayloadError (fuzz)', () => {
  const check = (input: unknown): void => {
    try {
      const r = parseJudgmentClick(input as Record<string, unknown>);
      expect(['judgment', 'ignored']).toContain(r.kind);
      if (r.kind === 'judgment') {
        expect(typeof r.executionId).toBe('string');
        expect(r.executionId.length).toBeGreaterThan(0);
        expect(typeof r.slackUserId).toBe('string');
        expect(['continue', 'stop']).toContain(r.judgmentStatus);
      }
    } catch (err) {
      if (!(err instanceof SlackPayloadError)) throw err;
      expect(err.field.length).toBeGreaterThan(0);
    }
  };

  it('for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 2000 });
  });

  it('for payloads shaped like clicks', () => {
    const anyish = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
    const id = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('E', 'a:b', '%', '%E0'));
    const value = fc.oneof(
      anyish,
      fc.record({ e: id, s: id, st: fc.constantFrom('c', 's', 'x'), i: fc.constantFrom('-', '0', '7', '01', 'x') }).map(
        ({ e, s, st, i }) => `mj1:${st}:${i}:${e}:${s}`,
      ),
      fc.constantFrom('yes', 'no', 'approve', 'reject', 'continue', 'stop', 'maybe'),
    );
    const action = fc.record(
      {
        action_id: fc.oneof(anyish, fc.constantFrom('judgment:continue', 'judgment:stop', 'judgment:continue:7', 'judgment:', 'other')),
        name: anyish,
        value,
        type: fc.constantFrom('button', 'static_select'),
      },
      { requiredKeys: [] },
    );
    const payload = fc.record(
      {
        type: fc.constantFrom('block_actions', 'interactive_message', 'view_submission', 'shortcut'),
        user: fc.oneof(anyish, fc.record({ id: anyish, name: anyish, username: anyish, team_id: anyish }, { requiredKeys: [] })),
        actions: fc.oneof(anyish, fc.array(fc.oneof(action, anyish), { maxLength: 4 })),
        callback_id: fc.oneof(anyish, fc.constantFrom('slackops:E:S', 'slackops:E', 'orca:E:S', 'orca:E', 'slackops:%E0:S', 'x:y:z')),
        container: anyish,
        channel: anyish,
        team: anyish,
        message: anyish,
        original_message: anyish,
        response_url: anyish,
        trigger_id: anyish,
        message_ts: anyish,
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(fc.property(payload, check), { numRuns: 3000 });
  });
});
