/**
 * `judge(...)`: the one way a manual judgment is decided, whatever it came from (Slack, REST PATCH, UI, CLI).
 *
 * In one transaction it checks the stage is a RUNNING `manualJudgment` with no decision yet, records the decision
 * as Spinnaker does (`context.judgmentStatus`, `context.judgmentInput`, `context.lastModifiedBy`, stage
 * `lastModified {user, lastModifiedTime}`), queues RunTask (so the next stage starts at once, no polling), and
 * publishes `judgment.decided` for the notifications. The first decision wins: a later or concurrent one is
 * refused with the decision that stands, and the attempt is kept in `context.judgments` (our extension).
 */
import type { JudgmentDecision, JudgmentRequest } from '../model/judgment.js';
import type { PipelineExecution } from '../model/execution.js';
import type { Repositories } from '../store/index.js';
import { BadRequestError, NotFoundError } from './errors.js';
import { HandlerContext, findStage } from './handlers/index.js';
import { judgmentInputValues } from './stages/manual-judgment.js';

/** One attempt to judge, as kept in `context.judgments` (an extension; Spinnaker keeps only the last decision). */
export interface JudgmentAttempt {
  user: string;
  slackUserId: string | null;
  status: 'continue' | 'stop';
  input: string | null;
  at: number;
  via: JudgmentRequest['via'];
  accepted: boolean;
  reason?: string;
}

export type JudgeOutcome =
  /** The decision was recorded. */
  | { outcome: 'accepted'; decision: JudgmentDecision; execution: PipelineExecution }
  /** Someone decided first; `decision` is the one that stands. */
  | { outcome: 'already_judged'; decision: JudgmentDecision; execution: PipelineExecution }
  /** The stage is not waiting for a judgment (not started yet, or ended without one, e.g. canceled). */
  | { outcome: 'not_awaiting'; stageStatus: string; execution: PipelineExecution };

/** The decision recorded on a stage's context, or null when it has none. */
export function decisionOf(context: Record<string, unknown>): JudgmentDecision | null {
  const status = context.judgmentStatus;
  if (status !== 'continue' && status !== 'stop') return null;
  const attempts = Array.isArray(context.judgments) ? (context.judgments as JudgmentAttempt[]) : [];
  const accepted = attempts.find((a) => a.accepted);
  const lm = context.lastModifiedBy;
  return {
    judgmentStatus: status,
    judgmentInput: typeof context.judgmentInput === 'string' ? context.judgmentInput : null,
    user: accepted?.user ?? (typeof lm === 'string' ? lm : 'unknown'),
    slackUserId: accepted?.slackUserId ?? null,
    via: accepted?.via ?? 'api',
    at: accepted?.at ?? 0,
  };
}

/**
 * Decides a judgment inside the given transaction.
 * @throws NotFoundError when the execution or stage does not exist.
 * @throws BadRequestError when the stage is not a manualJudgment, the status is not continue/stop, or a continue
 *   names a `judgmentInput` that is not one of the stage's `judgmentInputs`.
 */
export async function judgeInTransaction(h: HandlerContext, req: JudgmentRequest): Promise<JudgeOutcome> {
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
  const input = req.judgmentInput ?? null;
  if (req.judgmentStatus === 'continue' && input !== null && input !== '' && inputs.length > 0 && !inputs.includes(input)) {
    throw new BadRequestError(`judgmentInput: "${input}" is not one of the stage's judgmentInputs (${inputs.join(', ')})`, [
      { path: 'judgmentInput', message: 'not one of the stage\'s judgmentInputs' },
    ]);
  }
  const attempts = Array.isArray(stage.context.judgments) ? (stage.context.judgments as JudgmentAttempt[]) : [];
  const attempt: JudgmentAttempt = {
    user: req.user,
    slackUserId: req.slackUserId ?? null,
    status: req.judgmentStatus,
    input: input === '' ? null : input,
    at: h.now,
    via: req.via,
    accepted: false,
  };
  const existing = decisionOf(stage.context);
  if (existing) {
    attempt.reason = `already judged: ${existing.judgmentStatus} by ${existing.user}`;
    stage.context.judgments = [...attempts, attempt];
    await h.save(execution);
    return { outcome: 'already_judged', decision: existing, execution };
  }
  if (stage.status !== 'RUNNING' || execution.status !== 'RUNNING') {
    return { outcome: 'not_awaiting', stageStatus: stage.status, execution };
  }
  attempt.accepted = true;
  stage.context.judgmentStatus = req.judgmentStatus;
  stage.context.judgmentInput = attempt.input;
  stage.context.lastModifiedBy = req.user;
  stage.context.judgments = [...attempts, attempt];
  stage.lastModified = { user: req.user, allowedAccounts: [], lastModifiedTime: h.now };
  await h.save(execution);
  await h.push({ kind: 'RunTask', executionId: execution.id, stageId: stage.id });
  await h.publish([{ type: 'judgment.decided', executionId: execution.id, stageId: stage.id, judgmentStatus: req.judgmentStatus }]);
  return { outcome: 'accepted', decision: decisionOf(stage.context)!, execution };
}

export type { Repositories };
