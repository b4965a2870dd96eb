/**
 * The judgment shown in the README's Slack examples (docs/slack-*.json): one view, awaiting and decided.
 * test/slack/docs-examples.test.ts keeps the committed JSON equal to what the builders render.
 */
import type { JudgmentView } from '../../src/model/judgment.js';

export const EXAMPLE_AWAITING: JudgmentView = {
  application: 'checkout',
  pipelineName: 'Deploy to production',
  executionId: '01JDEMO0EXEC0000000000000',
  stageId: '01JDEMO0STAGE000000000000',
  refId: '3',
  stageName: 'Approve production',
  triggeredBy: 'carol@example.com',
  instructions: 'Deploy *registry.example.com/checkout:1.4.2* to eu-west-1? Check the <https://grafana.example.com/d/staging|staging dashboard> first.',
  notificationText: null,
  parameters: { version: '1.4.2', region: 'eu-west-1' },
  judgmentInputs: ['Roll out', 'Roll out slowly'],
  executionUrl: 'https://slackops.example.com/#/applications/checkout/executions/details/01JDEMO0EXEC0000000000000?refId=3',
  decision: null,
  endedWithoutJudgment: null,
  timeoutMs: 86_400_000,
  requiredApprovals: 2,
  approvals: [{ user: 'alice@example.com', slackUserId: 'U0ALICE', at: 1_795_950_000_000, judgmentInput: 'Roll out slowly' }],
  allowedRoles: ['deployers'],
  awaitingSince: 1_795_949_000_000,
  failPipeline: true,
};

export const EXAMPLE_APPROVED: JudgmentView = {
  ...EXAMPLE_AWAITING,
  decision: {
    judgmentStatus: 'continue',
    judgmentInput: 'Roll out slowly',
    user: 'bob@example.com',
    slackUserId: 'U0BOB',
    via: 'slack',
    at: 1_795_950_600_000,
    reason: null,
    approvers: [
      { user: 'alice@example.com', slackUserId: 'U0ALICE', at: 1_795_950_000_000, judgmentInput: 'Roll out slowly' },
      { user: 'bob@example.com', slackUserId: 'U0BOB', at: 1_795_950_600_000, judgmentInput: 'Roll out slowly' },
    ],
  },
  approvals: [
    { user: 'alice@example.com', slackUserId: 'U0ALICE', at: 1_795_950_000_000, judgmentInput: 'Roll out slowly' },
    { user: 'bob@example.com', slackUserId: 'U0BOB', at: 1_795_950_600_000, judgmentInput: 'Roll out slowly' },
  ],
};
