/**
 * `judge(...)`: the one way a manual judgment is decided, whatever it came from (Slack, REST PATCH, UI, CLI).
 *
 * In one transaction it checks the stage is a RUNNING `manualJudgment` that has not timed out and has no decision
 * yet, applies the judgment rules, and records the decision as Spinnaker does (`context.judgmentStatus`,
 * `context.judgmentInput`, `context.lastModifiedBy`, stage `lastModified {user, lastModifiedTime}`), queues
 * RunTask (so the next stage starts at once, no polling), and publishes `judgment.decided`. The first decision
 * wins: a later or concurrent one is refused with the decision that stands.
 *
 * Rules (extensions beyond Spinnaker are marked):
 * - Who may judge: `requiredJudgmentRoles` when present and non-empty, else Spinnaker's `selectedStageRoles`; an
 *   empty list means anyone. The judge's roles come with the request.
 * - `preventSelfApproval: true` (extension): whoever triggered the execution may not approve (may reject).
 * - `requiredApprovals: N` (extension, default 1): N distinct approvers are needed to continue; one rejection by
 *   anyone allowed to judge stops it.
 * - Every attempt, accepted or refused, is kept in `context.judgments` (extension).
 * - Application permissions (src/auth/permissions.ts): when the request carries `access`, the judge needs EXECUTE
 *   on the execution's application, checked here so the REST PATCH, the UI, the CLI and Slack answer to one rule
 *   (refusal reason `no_permission`). Admins hold EXECUTE but still answer to the stage's own rules above.
 */
import type { JudgmentApproval, JudgmentDecision, JudgmentRequest } from '../model/judgment.js';
import type { PipelineExecution, StageExecution } from '../model/execution.js';
import { BadRequestError, NotFoundError } from './errors.js';
import { HandlerContext, findStage } from './handlers/index.js';
import type { PermissionPolicy } from '../auth/permissions.js';
import { judgmentDeadline, judgmentInputValues, allowedJudgmentRoles, requiredApprovals } from './stages/manual-judgment.js';

/** One attempt to judge, as kept in `context.judgments` (extension; Spinnaker keeps only the last decision). */
export interface JudgmentAttempt {
  user: string;
  slackUserId: string | null;
  status: 'continue' | 'stop';
  input: string | null;
  /** The reason given with the attempt (reject modal, PATCH `reason`), if any. */
  comment: string | null;
  /** Epoch ms. */
  at: number;
  via: JudgmentRequest['via'];
  /** True when the attempt decided the stage or was counted as an approval. */
  accepted: boolean;
  /** Why an attempt was not accepted, in words. */
  reason?: string;
}

/** Why a judgment was refused without changing the stage. */
export type RefusalReason = 'not_allowed' | 'self_approval' | 'already_approved' | 'no_permission';

/**
 * The application-permission check hook: a judgment request may carry the policy and whether the judge is an
 * admin; the judge then needs EXECUTE on the execution's application (read in the judgment's transaction).
 * Without `access` (internal callers) application permissions are not checked.
 */
export interface JudgmentAccess {
  policy: PermissionPolicy;
  admin: boolean;
}

/** A judgment request with the permission hook. */
export type CheckedJudgmentRequest = JudgmentRequest & { access?: JudgmentAccess };

export type JudgeOutcome =
  /** The decision was recorded. */
  | { outcome: 'accepted'; decision: JudgmentDecision; execution: PipelineExecution }
  /** An approval was counted; more are needed (`requiredApprovals`). */
  | { outcome: 'approval_recorded'; approvals: JudgmentApproval[]; required: number; execution: PipelineExecution }
  /** Someone decided first; `decision` is the one that stands. */
  | { outcome: 'already_judged'; decision: JudgmentDecision; execution: PipelineExecution }
  /** The stage is not waiting for a judgment (not started, timed out, or ended without one, e.g. canceled). */
  | { outcome: 'not_awaiting'; stageStatus: string; timedOut: boolean; timeoutMs: number | null; execution: PipelineExecution }
  /** The rules refuse this judge; nothing changed but the attempt was kept. */
  | { outcome: 'refused'; reason: RefusalReason; message: string; allowedRoles: string[]; execution: PipelineExecution };

function attemptsOf(context: Record<string, unknown>): JudgmentAttempt[] {
  return Array.isArray(context.judgments) ? (context.judgments as JudgmentAttempt[]) : [];
}

/** Approvals counted so far on a stage that needs several (extension field `context.approvals`). */
export function approvalsOf(context: Record<string, unknown>): JudgmentApproval[] {
  return Array.isArray(context.approvals) ? (context.approvals as JudgmentApproval[]) : [];
}

/** The decision recorded on a stage's context, or null when it has none. */
export function decisionOf(context: Record<string, unknown>): JudgmentDecision | null {
  const status = context.judgmentStatus;
  if (status !== 'continue' && status !== 'stop') return null;
  const accepted = [...attemptsOf(context)].reverse().find((a) => a.accepted && a.status === status);
  const lm = context.lastModifiedBy;
  const approvers = approvalsOf(context);
  return {
    judgmentStatus: status,
    judgmentInput: typeof context.judgmentInput === 'string' ? context.judgmentInput : null,
    user: accepted?.user ?? (typeof lm === 'string' ? lm : 'unknown'),
    slackUserId: accepted?.slackUserId ?? null,
    via: accepted?.via ?? 'api',
    at: accepted?.at ?? 0,
    reason: typeof context.judgmentReason === 'string' ? context.judgmentReason : null,
    ...(status === 'continue' && approvers.length > 1 ? { approvers } : {}),
  };
}

function sameUser(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Checks the request against the stage and the rules; returns a refusal, or null when the judge may proceed. */
function refusal(execution: PipelineExecution, stage: StageExecution, req: JudgmentRequest): { reason: RefusalReason; message: string } | null {
  const allowed = allowedJudgmentRoles(stage.context);
  if (allowed.length > 0) {
    const mine = new Set((req.roles ?? []).map((r) => r.toLowerCase()));
    if (!allowed.some((r) => mine.has(r.toLowerCase()))) {
      return { reason: 'not_allowed', message: `${req.user} may not judge this stage: it needs one of the roles ${allowed.join(', ')}` };
    }
  }
  if (req.judgmentStatus === 'continue' && stage.context.preventSelfApproval === true) {
    if (sameUser(execution.trigger.user, req.user)) {
      return { reason: 'self_approval', message: `${req.user} triggered this execution and may not approve it (preventSelfApproval)` };
    }
    if (req.identityVerified === false) {
      return {
        reason: 'self_approval',
        message: `${req.user}'s email could not be confirmed, so it cannot be checked that they did not trigger this execution (preventSelfApproval)`,
      };
    }
  }
  // The same person twice: by Slack user id when both have one (a name and an email of one person are one
  // approver), else by user.
  const samePerson = (a: JudgmentApproval) => (req.slackUserId && a.slackUserId ? a.slackUserId === req.slackUserId : sameUser(a.user, req.user));
  if (req.judgmentStatus === 'continue' && approvalsOf(stage.context).some(samePerson)) {
    return { reason: 'already_approved', message: `${req.user} has already approved; another approver is needed` };
  }
  return null;
}

/**
 * Decides a judgment inside the given transaction.
 * @throws NotFoundError when the execution or stage does not exist.
 * @throws BadRequestError when the stage is not a manualJudgment, the status is not continue/stop, or a continue
 *   names a `judgmentInput` that is not one of the stage's `judgmentInputs`.
 */
export async function judgeInTransaction(h: HandlerContext, req: CheckedJudgmentRequest): Promise<JudgeOutcome> {
  const execution = await h.tx.executions.get(req.executionId);
  if (!execution) throw new NotFoundError(`execution ${req.executionId} not found`);
  const stage = findStage(execution, req.stageId);
  if (!stage) throw new NotFoundError(`stage ${req.stageId} not found in execution ${req.executionId}`);
  if (stage.type !== 'manualJudgment') {
    throw new BadRequestError(`stage ${stage.id} ("${stage.name}") is a ${stage.type} stage, not a manualJudgment`, [
      { path: 'stageId', message: 'not a manualJudgment stage' },
    ]);
  }
  if (req.judgmentStatus !== 'continue' && req.judgmentStatus !== 'stop') {
    throw new BadRequestError('judgmentStatus: expected "continue" or "stop"', [{ path: 'judgmentStatus', message: 'expected "continue" or "stop"' }]);
  }
  const inputs = judgmentInputValues(stage.context);
  const input = req.judgmentInput === undefined || req.judgmentInput === '' ? null : req.judgmentInput;
  if (req.judgmentStatus === 'continue' && input !== null && inputs.length > 0 && !inputs.includes(input)) {
    throw new BadRequestError(`judgmentInput: "${input}" is not one of the stage's judgmentInputs (${inputs.join(', ')})`, [
      { path: 'judgmentInput', message: "not one of the stage's judgmentInputs" },
    ]);
  }
  const reasonText = typeof req.reason === 'string' && req.reason.trim() !== '' ? req.reason.trim().slice(0, 2000) : null;
  const attempt: JudgmentAttempt = {
    user: req.user,
    slackUserId: req.slackUserId ?? null,
    status: req.judgmentStatus,
    input,
    comment: reasonText,
    at: h.now,
    via: req.via,
    accepted: false,
  };
  const keep = async (why: string) => {
    attempt.reason = why;
    stage.context.judgments = [...attemptsOf(stage.context), attempt];
    await h.save(execution);
  };

  if (req.access && req.access.policy.enforced) {
    const app = await h.tx.applications.get(execution.application);
    const denial = req.access.policy.denial({ user: req.user, roles: req.roles ?? [], admin: req.access.admin }, execution.application, app?.permissions, 'EXECUTE');
    if (denial !== null) {
      if (stage.status !== 'NOT_STARTED') await keep(denial);
      return { outcome: 'refused', reason: 'no_permission', message: denial, allowedRoles: allowedJudgmentRoles(stage.context), execution };
    }
  }
  const existing = decisionOf(stage.context);
  if (existing) {
    await keep(`already judged: ${existing.judgmentStatus} by ${existing.user}`);
    return { outcome: 'already_judged', decision: existing, execution };
  }
  const deadline = judgmentDeadline(stage);
  const timedOut = stage.context.timedOut === true || (stage.status === 'RUNNING' && deadline !== null && h.now >= deadline);
  if (stage.status !== 'RUNNING' || execution.status !== 'RUNNING' || timedOut) {
    if (stage.status !== 'NOT_STARTED') await keep(timedOut ? 'the judgment timed out' : `stage is ${stage.status}`);
    const timeoutMs = typeof stage.context.stageTimeoutMs === 'number' ? stage.context.stageTimeoutMs : null;
    return { outcome: 'not_awaiting', stageStatus: stage.status, timedOut, timeoutMs, execution };
  }
  const refused = refusal(execution, stage, req);
  if (refused) {
    await keep(refused.message);
    return { outcome: 'refused', ...refused, allowedRoles: allowedJudgmentRoles(stage.context), execution };
  }

  attempt.accepted = true;
  const required = requiredApprovals(stage.context);
  if (req.judgmentStatus === 'continue' && required > 1) {
    const approvals = [...approvalsOf(stage.context), { user: req.user, slackUserId: req.slackUserId ?? null, at: h.now, judgmentInput: input }];
    stage.context.approvals = approvals;
    if (approvals.length < required) {
      stage.context.judgments = [...attemptsOf(stage.context), attempt];
      stage.lastModified = { user: req.user, allowedAccounts: [], lastModifiedTime: h.now };
      await h.save(execution);
      await h.publish([{ type: 'judgment.approval', executionId: execution.id, stageId: stage.id, count: approvals.length }]);
      return { outcome: 'approval_recorded', approvals, required, execution };
    }
  }
  stage.context.judgmentStatus = req.judgmentStatus;
  stage.context.judgmentInput = input;
  stage.context.lastModifiedBy = req.user;
  if (reasonText !== null) stage.context.judgmentReason = reasonText;
  stage.context.judgments = [...attemptsOf(stage.context), attempt];
  stage.lastModified = { user: req.user, allowedAccounts: [], lastModifiedTime: h.now };
  if (stage.context.propagateAuthenticationContext === true && req.judgmentStatus === 'continue') {
    (execution as PipelineExecution & { authentication?: unknown }).authentication = { user: req.user, allowedAccounts: [] };
  }
  await h.save(execution);
  await h.push({ kind: 'RunTask', executionId: execution.id, stageId: stage.id });
  await h.publish([{ type: 'judgment.decided', executionId: execution.id, stageId: stage.id, judgmentStatus: req.judgmentStatus }]);
  return { outcome: 'accepted', decision: decisionOf(stage.context)!, execution };
}
