/**
 * The judgment message and its companions for the rules extensions: approvals progress, roles, reasons, timeouts,
 * cancellation, reminders and the ephemeral answers.
 */
import { describe, expect, it } from 'vitest';
import type { JudgmentApproval, JudgmentDecision, JudgmentView } from '../../src/model/judgment.js';
import {
  alreadyApprovedByYouText,
  checkBlockKitLimits,
  formatDuration,
  judgmentMessage,
  judgmentReminder,
  judgmentThreadReply,
  MAX_APPROVERS_SHOWN,
  notAllowedText,
  notAwaitingText,
  REASON_SHOWN_MAX,
  selfApprovalText,
  timedOutText,
  TRUNCATION_NOTE,
} from '../../src/slack/blocks.js';

type Obj = Record<string, any>;

function view(over: Partial<JudgmentView> = {}): JudgmentView {
  return {
    application: 'checkout',
    pipelineName: 'Deploy',
    executionId: '01HEXEC',
    stageId: 'stage-1',
    refId: '1',
    stageName: 'Approve production',
    triggeredBy: 'dave@example.com',
    instructions: null,
    parameters: {},
    judgmentInputs: [],
    executionUrl: 'https://slackops.example.com/#/applications/checkout/executions/details/01HEXEC?refId=1',
    decision: null,
    ...over,
  };
}

const approval = (over: Partial<JudgmentApproval> = {}): JudgmentApproval => ({
  user: 'alice@example.com',
  slackUserId: 'U0ALICE',
  at: 1_700_000_000_000,
  judgmentInput: null,
  ...over,
});

const decision = (over: Partial<JudgmentDecision> = {}): JudgmentDecision => ({
  judgmentStatus: 'continue',
  judgmentInput: null,
  user: 'bob@example.com',
  slackUserId: 'U0BOB',
  via: 'slack',
  at: 1_700_000_000_000,
  ...over,
});

const buttons = (blocks: Obj[]): Obj[] => blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements as Obj[]);
const contexts = (blocks: Obj[]): string[] => blocks.filter((b) => b.type === 'context').map((b) => b.elements[0].text as string);
const sections = (blocks: Obj[]): string[] => blocks.filter((b) => b.type === 'section' && b.text).map((b) => b.text.text as string);

describe('formatDuration', () => {
  it('gives the largest unit and the next one when not zero, rounded down', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(30 * 60_000)).toBe('30m');
    expect(formatDuration(2 * 3_600_000)).toBe('2h');
    expect(formatDuration(3 * 86_400_000)).toBe('3d');
    expect(formatDuration(90 * 60_000)).toBe('1h 30m');
    expect(formatDuration(2 * 3_600_000 + 30_000)).toBe('2h');
    expect(formatDuration(86_400_000 + 4 * 3_600_000 + 59 * 60_000)).toBe('1d 4h');
    expect(formatDuration(65_999)).toBe('1m 5s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(250.7)).toBe('250ms');
    expect(formatDuration(0)).toBe('0ms');
  });

  it('is null for what is not a duration', () => {
    for (const bad of [-1, Number.NaN, Infinity, -Infinity]) expect(formatDuration(bad)).toBeNull();
  });
});

describe('several approvals while awaiting', () => {
  it('shows "1 of 2 approvals: <@U1>" above the buttons, which stay', () => {
    const { blocks, text } = judgmentMessage(view({ requiredApprovals: 2, approvals: [approval()] }));
    const progress = contexts(blocks as Obj[]).find((t) => t.includes('approvals'));
    expect(progress).toBe('1 of 2 approvals: <@U0ALICE>');
    expect(buttons(blocks as Obj[]).map((b) => b.action_id)).toEqual(['judgment:continue', 'judgment:stop']);
    const progressIndex = (blocks as Obj[]).findIndex((b) => b.type === 'context' && b.elements[0].text === progress);
    const actionsIndex = (blocks as Obj[]).findIndex((b) => b.type === 'actions');
    expect(progressIndex).toBeLessThan(actionsIndex);
    expect(text).toBe('checkout / Deploy: Approve production is awaiting manual judgment (1 of 2 approvals)');
    expect(checkBlockKitLimits(blocks)).toEqual([]);
  });

  it('names an approver without a Slack id by escaped email, and says 0 of 3 before any', () => {
    const { blocks } = judgmentMessage(
      view({
        requiredApprovals: 3,
        approvals: [approval({ slackUserId: null, user: 'eve<!channel>@example.com' }), approval({ slackUserId: 'U1>|<!here', user: 'mallory' })],
      }),
    );
    expect(contexts(blocks as Obj[])).toContain('2 of 3 approvals: eve&lt;!channel&gt;@example.com, mallory');
    expect(contexts(judgmentMessage(view({ requiredApprovals: 3 })).blocks as Obj[])).toContain('0 of 3 approvals');
  });

  it('says nothing about approvals when one is enough (or the number is unusable)', () => {
    for (const requiredApprovals of [undefined, 1, 0, 2.5, Number.NaN]) {
      const { blocks, text } = judgmentMessage(view({ requiredApprovals, approvals: [approval()] } as Partial<JudgmentView>));
      expect(JSON.stringify(blocks)).not.toContain('approvals');
      expect(text).not.toContain('approvals');
    }
  });

  it(`names at most ${MAX_APPROVERS_SHOWN} approvers and counts the rest`, () => {
    const approvals = Array.from({ length: 25 }, (_, i) => approval({ slackUserId: `U${String(i).padStart(4, '0')}` }));
    const line = contexts(judgmentMessage(view({ requiredApprovals: 30, approvals })).blocks as Obj[]).find((t) => t.includes('approvals'))!;
    expect(line.startsWith('25 of 30 approvals: <@U0000>, <@U0001>')).toBe(true);
    expect(line.endsWith('<@U0019> and 5 more')).toBe(true);
  });
});

describe('roles', () => {
  it('says who may judge, escaped', () => {
    const { blocks } = judgmentMessage(view({ allowedRoles: ['deployers', 'sre'] }));
    expect(contexts(blocks as Obj[])).toContain('Only members of deployers, sre may judge');
    const hostile = judgmentMessage(view({ allowedRoles: ['<!channel>', 'a&b', '  ', 'multi\nline'] }));
    expect(contexts(hostile.blocks as Obj[])).toContain('Only members of &lt;!channel&gt;, a&amp;b, multi line may judge');
    expect(JSON.stringify(hostile.blocks)).not.toContain('<!channel>');
  });

  it('has no roles line when anyone may judge, or once decided', () => {
    expect(JSON.stringify(judgmentMessage(view({ allowedRoles: [] })).blocks)).not.toContain('Only members');
    expect(JSON.stringify(judgmentMessage(view()).blocks)).not.toContain('Only members');
    expect(JSON.stringify(judgmentMessage(view({ allowedRoles: ['sre'], decision: decision() })).blocks)).not.toContain('Only members');
  });
});

describe('decided', () => {
  it('lists all approvers when several approved', () => {
    const d = decision({ approvers: [approval(), approval({ user: 'bob@example.com', slackUserId: 'U0BOB' })] });
    const { blocks } = judgmentMessage(view({ requiredApprovals: 2, decision: d }));
    const lines = contexts(blocks as Obj[]);
    expect(lines[0]).toMatch(/^Approved by <@U0BOB> at <!date\^1700000000\^/);
    expect(lines).toContain('All approvers: <@U0ALICE>, <@U0BOB>');
    expect(buttons(blocks as Obj[])).toEqual([]);
    // One approver: no list.
    expect(JSON.stringify(judgmentMessage(view({ decision: decision({ approvers: [approval()] }) })).blocks)).not.toContain('All approvers');
  });

  it("shows a rejection's reason, escaped so it cannot ping or link", () => {
    const d = decision({ judgmentStatus: 'stop', reason: '  Breaks checkout <!channel> see <https://evil.example.com|here> & <@U0ALL>\n' });
    const { blocks } = judgmentMessage(view({ decision: d }));
    const reason = sections(blocks as Obj[]).find((t) => t.startsWith('Reason: '));
    expect(reason).toBe('Reason: Breaks checkout &lt;!channel&gt; see &lt;https://evil.example.com|here&gt; &amp; &lt;@U0ALL&gt;');
    const json = JSON.stringify(blocks);
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<https://evil.example.com|here>');
    expect(checkBlockKitLimits(blocks)).toEqual([]);
  });

  it('cuts a long reason within limits, with the truncation note', () => {
    const d = decision({ judgmentStatus: 'stop', reason: '<&>'.repeat(5000) });
    const { blocks } = judgmentMessage(view({ decision: d }));
    const reason = sections(blocks as Obj[]).find((t) => t.startsWith('Reason: '))!;
    expect(reason.length).toBeLessThanOrEqual(3000);
    expect(reason.endsWith(TRUNCATION_NOTE)).toBe(true);
    expect(reason).not.toMatch(/&(?!(amp|lt|gt);)/);
    expect(checkBlockKitLimits(blocks)).toEqual([]);
    // Up to REASON_SHOWN_MAX plain characters are shown whole.
    const whole = 'r'.repeat(REASON_SHOWN_MAX);
    expect(sections(judgmentMessage(view({ decision: decision({ reason: whole }) })).blocks as Obj[])).toContain(`Reason: ${whole}`);
  });

  it('shows no reason line for a blank reason', () => {
    expect(JSON.stringify(judgmentMessage(view({ decision: decision({ judgmentStatus: 'stop', reason: ' \n ' }) })).blocks)).not.toContain('Reason');
  });

  it('puts the reason in the stop reply in the thread', () => {
    const r = judgmentThreadReply(view({ decision: decision({ judgmentStatus: 'stop', reason: 'wrong build <!here>' }) }), 'stop');
    expect((r.blocks[0] as Obj).text.text).toBe(
      ':no_entry: *Rejected* by <@U0BOB>: stage *Approve production* of *checkout* / *Deploy*; the pipeline stops.\nReason: wrong build &lt;!here&gt;',
    );
    expect(checkBlockKitLimits(r.blocks)).toEqual([]);
  });

  it('lists the approvers in the continue reply when several approved', () => {
    const d = decision({ approvers: [approval(), approval({ user: 'bob@example.com', slackUserId: 'U0BOB' })] });
    const r = judgmentThreadReply(view({ decision: d }), 'continue');
    expect((r.blocks[0] as Obj).text.text).toContain('\nAll approvers: <@U0ALICE>, <@U0BOB>');
  });
});

describe('ended without a judgment', () => {
  it('timed out: no buttons, "Timed out after 2h" from timeoutMs', () => {
    const cases: Array<[number, string]> = [
      [7_200_000, '2h'],
      [45_000, '45s'],
      [30 * 60_000, '30m'],
      [3 * 86_400_000, '3d'],
      [5_400_000, '1h 30m'],
    ];
    for (const [timeoutMs, words] of cases) {
      const { blocks, text } = judgmentMessage(view({ endedWithoutJudgment: 'TIMED_OUT', timeoutMs }));
      expect(buttons(blocks as Obj[])).toEqual([]);
      expect(contexts(blocks as Obj[]).at(-1)).toBe(`Timed out after ${words} without a judgment.`);
      expect((blocks[1] as Obj).text.text).toContain(`stage *Approve production* timed out after ${words} without a judgment`);
      expect(text).toBe(`checkout / Deploy: Approve production timed out after ${words} without a judgment`);
    }
    const unknown = judgmentMessage(view({ endedWithoutJudgment: 'TIMED_OUT', timeoutMs: null }));
    expect(contexts(unknown.blocks as Obj[]).at(-1)).toBe('Timed out without a judgment.');
  });

  it('canceled: by whom, escaped, when known', () => {
    const by = judgmentMessage(view({ endedWithoutJudgment: 'CANCELED', endedBy: 'carol@example.com' }));
    expect(buttons(by.blocks as Obj[])).toEqual([]);
    expect(contexts(by.blocks as Obj[]).at(-1)).toBe('Canceled by carol@example.com before a judgment was made.');
    expect(by.text).toBe('checkout / Deploy: Approve production was canceled by carol@example.com before a judgment');
    const hostile = judgmentMessage(view({ endedWithoutJudgment: 'CANCELED', endedBy: '<!channel>' }));
    expect(contexts(hostile.blocks as Obj[]).at(-1)).toBe('Canceled by &lt;!channel&gt; before a judgment was made.');
    const nobody = judgmentMessage(view({ endedWithoutJudgment: 'CANCELED', endedBy: null }));
    expect(contexts(nobody.blocks as Obj[]).at(-1)).toBe('Canceled before a judgment was made.');
  });
});

describe('judgmentReminder', () => {
  const since = 1_700_000_000_000;

  it('says how long it has waited, with the approvals progress and no buttons', () => {
    const r = judgmentReminder(view({ awaitingSince: since, requiredApprovals: 2, approvals: [approval()] }), since + 2 * 3_600_000 + 5_000);
    expect((r.blocks[0] as Obj).text.text).toBe(
      ':hourglass_flowing_sand: Still awaiting a judgment (waiting 2h): stage *Approve production* of *checkout* / *Deploy*.',
    );
    expect(contexts(r.blocks as Obj[])).toEqual(['1 of 2 approvals: <@U0ALICE>']);
    expect(buttons(r.blocks as Obj[])).toEqual([]);
    expect(r.text).toBe('checkout / Deploy: Approve production is still awaiting a judgment (waiting 2h); 1 of 2 approvals');
    expect(checkBlockKitLimits(r.blocks)).toEqual([]);
  });

  it('leaves the wait out when the start is unknown or in the future, and the progress when one approval suffices', () => {
    const unknown = judgmentReminder(view({ awaitingSince: null }), since);
    expect((unknown.blocks[0] as Obj).text.text).toMatch(/^:hourglass_flowing_sand: Still awaiting a judgment: stage/);
    expect(unknown.blocks).toHaveLength(1);
    const future = judgmentReminder(view({ awaitingSince: since + 1000 }), since);
    expect(future.text).toBe('checkout / Deploy: Approve production is still awaiting a judgment');
  });

  it('escapes names and shows the roles line', () => {
    const r = judgmentReminder(view({ stageName: '<!here>', awaitingSince: since, allowedRoles: ['sre'] }), since + 90 * 60_000);
    expect((r.blocks[0] as Obj).text.text).toContain('(waiting 1h 30m): stage *&lt;!here&gt;*');
    expect(contexts(r.blocks as Obj[])).toEqual(['Only members of sre may judge']);
  });
});

describe('ephemeral texts', () => {
  it('notAllowedText names the roles, escaped', () => {
    expect(notAllowedText(['deployers', 'sre'])).toBe("You can't judge this stage: it needs a member of deployers or sre.");
    expect(notAllowedText(['deployers'])).toBe("You can't judge this stage: it needs a member of deployers.");
    expect(notAllowedText(['a', 'b', 'c'])).toBe("You can't judge this stage: it needs a member of a, b or c.");
    expect(notAllowedText(['<!channel>'])).toBe("You can't judge this stage: it needs a member of &lt;!channel&gt;.");
    expect(notAllowedText([])).toBe("You can't judge this stage: you are not among the people allowed to.");
    const many = notAllowedText(Array.from({ length: 25 }, (_, i) => `r${i}`));
    expect(many).toContain('r19 or one of 5 more roles.');
  });

  it('selfApprovalText', () => {
    expect(selfApprovalText()).toBe("You triggered this execution, so you can't approve it; someone else must. You may still reject it.");
  });

  it('alreadyApprovedByYouText counts what is missing', () => {
    expect(alreadyApprovedByYouText({ approvals: 1, required: 2 })).toBe(
      'You already approved this stage (1 of 2 approvals); 1 more person must approve.',
    );
    expect(alreadyApprovedByYouText({ approvals: 1, required: 3 })).toBe(
      'You already approved this stage (1 of 3 approvals); 2 more people must approve.',
    );
    expect(alreadyApprovedByYouText({ approvals: 2, required: 2 })).toBe('You already approved this stage; your click did not change anything.');
    expect(alreadyApprovedByYouText({ approvals: Number.NaN, required: 2 })).toMatch(/^You already approved this stage;/);
  });

  it('timedOutText', () => {
    expect(timedOutText(7_200_000)).toBe('This judgment timed out after 2h; nothing was changed.');
    expect(timedOutText(5_400_000)).toBe('This judgment timed out after 1h 30m; nothing was changed.');
    expect(timedOutText(null)).toBe('This judgment timed out; nothing was changed.');
    expect(timedOutText(Number.NaN)).toBe('This judgment timed out; nothing was changed.');
  });

  it('notAwaitingText', () => {
    expect(notAwaitingText('CANCELED')).toBe('This stage is not awaiting a judgment (its status is CANCELED); nothing was changed.');
    expect(notAwaitingText('<!channel>')).toBe('This stage is not awaiting a judgment (its status is &lt;!channel&gt;); nothing was changed.');
    expect(notAwaitingText('')).toBe('This stage is not awaiting a judgment; nothing was changed.');
  });
});

describe('links a user value put into the instructions', () => {
  it('are shown as text; the author\'s own links stay links', () => {
    const evil = '<!channel> <https://evil.example.com|click> @here';
    const { blocks } = judgmentMessage(
      view({
        parameters: { version: evil, page: 'https://phish.example.com/login' },
        instructions: `Deploy *${evil}*? See <https://wiki.example.com/runbook|runbook>, then https://phish.example.com/login.`,
      }),
    );
    const instructions = sections(blocks as Obj[]).find((t) => t.startsWith('*Instructions*'))!;
    expect(instructions).toBe(
      '*Instructions*\nDeploy *&lt;!channel&gt; &lt;https://evil.example.com|click&gt; @here*? See <https://wiki.example.com/runbook|runbook>, then https://phish.example.com/login.',
    );
    const json = JSON.stringify(blocks);
    expect(json).not.toContain('<https://evil.example.com|click>');
    expect(json).not.toContain('<https://phish.example.com/login>');
  });

  it('the same in the custom text of a thread reply, and for a link in the trigger user', () => {
    const r = judgmentThreadReply(
      view({ triggeredBy: '<https://evil.example.com|me>', notificationText: 'By <https://evil.example.com|me>' }),
      'stop',
    );
    expect((r.blocks[1] as Obj).text.text).toBe('By &lt;https://evil.example.com|me&gt;');
  });
});
