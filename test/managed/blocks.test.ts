/**
 * The managed judgement message's Block Kit (pure): within Slack's limits for long inputs, escaped, buttons only
 * while pending, the pinned-version warning, and a click parsed back to the same judgement.
 */
import { describe, expect, it } from 'vitest';
import { managedJudgementMessage, type ManagedJudgementView } from '../../src/slack/managed-blocks.js';
import { checkBlockKitLimits } from '../../src/slack/blocks.js';
import { parseManagedClick } from '../../src/slack/managed-payload.js';
import { checkInteraction } from '../../src/interactions/check.js';
import { blockActionsClick } from '../support/slack-requests.js';

const view = (over: Partial<ManagedJudgementView> = {}): ManagedJudgementView => ({
  application: 'checkout',
  environment: 'prod',
  artifactName: 'checkout-api',
  reference: 'api',
  version: '1.2.3',
  git: { commit: 'abcdef0123456789', author: 'dana <dana@example.com>', message: 'Fix <script> & stuff', branch: 'main', pullRequest: { number: '42', url: 'https://git.example.com/pr/42' } },
  build: { number: '17', url: 'javascript:alert(1)' },
  versionsAhead: 2,
  current: '1.2.1',
  environmentUrl: 'https://slackops.example.com/#/applications/checkout/environments',
  status: 'PENDING',
  judgedBy: null,
  judgedBySlackUserId: null,
  comment: null,
  timeout: 'P5D',
  ...over,
});

describe('managedJudgementMessage', () => {
  it('escapes user text, links only http(s), and stays within Block Kit limits for huge inputs', () => {
    const m = managedJudgementMessage(view());
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('Fix &lt;script&gt; &amp; stuff');
    expect(text).not.toContain('<javascript:');
    expect(text).toContain('2 versions (current: 1.2.1)');
    expect(checkBlockKitLimits(m.blocks)).toEqual([]);
    const huge = 'x'.repeat(5000);
    const big = managedJudgementMessage(view({ git: { message: huge, author: huge, commit: huge, branch: huge }, version: 'v'.repeat(250), comment: huge, pinned: { version: '1.0.0', by: huge, comment: huge } }));
    expect(checkBlockKitLimits(big.blocks)).toEqual([]);
  });

  it('shows the pinned warning, and the outcome without buttons once judged', () => {
    expect(JSON.stringify(managedJudgementMessage(view({ pinned: { version: '1.0.0', by: 'alice@example.com', comment: 'freeze' } })).blocks)).toContain('prod is pinned to 1.0.0 by alice@example.com (freeze)');
    const done = managedJudgementMessage(view({ status: 'OVERRIDE_FAIL', judgedBy: 'bob@example.com', judgedBySlackUserId: 'U0BOB', comment: 'not today' }));
    expect(JSON.stringify(done.blocks)).toContain('Rejected by <@U0BOB>');
    expect(JSON.stringify(done.blocks)).toContain('not today');
    expect(done.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(done.text).toContain('rejected by bob@example.com');
  });

  it('a click on its buttons parses back to the judgement, and is recorded by the callback', () => {
    const m = managedJudgementMessage(view({ application: 'a:b', environment: 'pr/od', version: '1.0.0+build:7' }));
    for (const [actionId, status] of [['managed:approve', 'OVERRIDE_PASS'], ['managed:reject', 'OVERRIDE_FAIL']] as const) {
      const payload = blockActionsClick({ message: m.blocks as unknown[], actionId, user: { id: 'U0ALICE', name: 'alice' }, channel: 'C0123456789', ts: '1.2' });
      expect(parseManagedClick(payload)).toMatchObject({ status, application: 'a:b', environment: 'pr/od', reference: 'api', version: '1.0.0+build:7', slackUserId: 'U0ALICE' });
      expect(checkInteraction(payload)).toBe('record');
    }
    expect(() => parseManagedClick({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'managed:approve', value: 'mdj1:x' }] })).toThrow(/actions\[0\]\.value/);
    expect(parseManagedClick({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'judgment:continue', value: 'x' }] })).toBeNull();
  });
});
