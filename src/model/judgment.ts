/**
 * The judgment of a `manualJudgment` stage, as Spinnaker spells it: `judgmentStatus` is "continue" or "stop"
 * (orca's `ManualJudgmentStage`), `judgmentInput` the chosen entry of `judgmentInputs`.
 */
export type JudgmentStatus = 'continue' | 'stop';

/** Where a judgment came from; recorded with the decision. */
export type JudgmentVia = 'slack' | 'api' | 'ui' | 'cli';

/** A request to judge, from any way in. */
export interface JudgmentRequest {
  executionId: string;
  /** The stage's `id` (Gate's PATCH path) — or its `refId`, which is accepted too. */
  stageId: string;
  judgmentStatus: JudgmentStatus;
  judgmentInput?: string | null;
  /** Identity of the judge: an email where known, else a user name; never empty. */
  user: string;
  via: JudgmentVia;
  slackUserId?: string;
}

/** A decision that was recorded. `at` is epoch ms. */
export interface JudgmentDecision {
  judgmentStatus: JudgmentStatus;
  judgmentInput: string | null;
  user: string;
  slackUserId: string | null;
  via: JudgmentVia;
  at: number;
}

/**
 * Everything a notifier needs to render a judgment message, free of any channel's wire format. Built by the
 * notifications layer from an execution; rendered by `slack/blocks.ts`.
 */
export interface JudgmentView {
  application: string;
  pipelineName: string;
  executionId: string;
  stageId: string;
  refId: string;
  stageName: string;
  /** Who triggered the execution (trigger.user). */
  triggeredBy: string;
  /** Instructions after expression evaluation; Slack mrkdwn as the pipeline author wrote it. */
  instructions: string | null;
  /**
   * Custom text of the notification preference for this event (Deck's "custom message",
   * `notifications[].message.<when>.text`), expressions evaluated; Slack mrkdwn written by the pipeline author.
   */
  notificationText?: string | null;
  /** Trigger parameters, name → value (values came from users). */
  parameters: Record<string, string>;
  /** The `judgmentInputs` values, in order; empty means plain Approve/Reject. */
  judgmentInputs: string[];
  /** Link to the execution in the UI. */
  executionUrl: string;
  /** Null while awaiting; set once judged. */
  decision: JudgmentDecision | null;
  /** Set when the stage ended without a judgment (canceled, timed out); e.g. "CANCELED". */
  endedWithoutJudgment?: string | null;
}

/** Reference to a posted chat message, for later updates and thread replies. */
export interface MessageRef {
  channel: string;
  ts: string;
}
