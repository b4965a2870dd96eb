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
  /**
   * The judge's roles, resolved by the caller before judging (from `authz.roles` and, for Slack users, their
   * user groups). Checked against the stage's `requiredJudgmentRoles` / `selectedStageRoles`.
   */
  roles?: string[];
  /** Free-text reason, e.g. from Slack's reject modal (extension). */
  reason?: string | null;
  /**
   * False when the judge's email could not be confirmed (Slack users.info failed or gave no email, so `user` is
   * a Slack user name). Rules that need an identity then refuse conservatively (preventSelfApproval). Default true.
   */
  identityVerified?: boolean;
}

/** A decision that was recorded. `at` is epoch ms. */
export interface JudgmentDecision {
  judgmentStatus: JudgmentStatus;
  judgmentInput: string | null;
  /** Who decided: for a continue that needed several approvals, the approver whose approval completed it. */
  user: string;
  slackUserId: string | null;
  via: JudgmentVia;
  at: number;
  /** Free-text reason given with a rejection (Slack's reject modal, or `comment` in the PATCH); extension. */
  reason?: string | null;
  /** Everyone who approved, in order, when `requiredApprovals` > 1 (extension). */
  approvers?: JudgmentApproval[];
}

/** One accepted approval while more are needed (`requiredApprovals`, an extension). `at` is epoch ms. */
export interface JudgmentApproval {
  user: string;
  slackUserId: string | null;
  at: number;
  judgmentInput: string | null;
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
  /**
   * The author's raw texts (instructions and custom text) before `${...}` evaluation. Renderers make a link live
   * only when its URL is written literally there, so no user value can choose where a link points.
   */
  templates?: string[];
  /** Trigger parameters, name → value (values came from users). */
  parameters: Record<string, string>;
  /** The `judgmentInputs` values, in order; empty means plain Approve/Reject. */
  judgmentInputs: string[];
  /** Link to the execution in the UI. */
  executionUrl: string;
  /** Null while awaiting; set once judged. */
  decision: JudgmentDecision | null;
  /**
   * Set when the stage ended without a judgment: "TIMED_OUT" (`stageTimeoutMs` ran out; see `timeoutMs`),
   * "CANCELED" (the execution was canceled; see `endedBy`), or another stage status.
   */
  endedWithoutJudgment?: string | null;
  /** Who canceled, when `endedWithoutJudgment` is "CANCELED" and it is known. */
  endedBy?: string | null;
  /** The cancellation reason given (Gate's `?reason=`), when canceled. */
  endedReason?: string | null;
  /** The stage's timeout in ms (`stageTimeoutMs`), for "Timed out after 2h". */
  timeoutMs?: number | null;
  /** Approvals needed to continue (`requiredApprovals`, extension; default 1). */
  requiredApprovals?: number;
  /** Approvals received so far while awaiting (distinct people), in order. */
  approvals?: JudgmentApproval[];
  /** Roles allowed to judge (`requiredJudgmentRoles` / `selectedStageRoles`); empty or absent = anyone. */
  allowedRoles?: string[];
  /**
   * The stage's `failPipeline` (default true). False: a rejection only halts this branch (stage STOPPED) and the
   * execution may still succeed, so messages must not say "the pipeline stops".
   */
  failPipeline?: boolean;
  /** When the stage started waiting (epoch ms), for reminders ("waiting for 2h"). */
  awaitingSince?: number | null;
}

/**
 * Spinnaker's pipeline- and stage-level notification events (echo's `when` values).
 */
export type ExecutionEventName =
  | 'pipeline.starting'
  | 'pipeline.complete'
  | 'pipeline.failed'
  | 'stage.starting'
  | 'stage.complete'
  | 'stage.failed';

/** Channel-neutral view of a pipeline- or stage-level notification. Times are epoch ms. */
export interface ExecutionNotificationView {
  event: ExecutionEventName;
  application: string;
  pipelineName: string;
  executionId: string;
  executionUrl: string;
  /** The execution's status (pipeline.*) or the stage's (stage.*), e.g. "SUCCEEDED", "TERMINAL". */
  status: string;
  triggeredBy: string;
  /** Set for stage.* events. */
  stageName?: string | null;
  /** The preference's `message[when].text`, expressions evaluated; pipeline author's mrkdwn. */
  customText?: string | null;
  /** The author's raw custom text before evaluation (see JudgmentView.templates). */
  templates?: string[];
  startTime: number | null;
  endTime: number | null;
  /** A short failure reason when there is one (e.g. the failing stage and its error). */
  error?: string | null;
}

/** Reference to a posted chat message, for later updates and thread replies. */
export interface MessageRef {
  channel: string;
  ts: string;
}
