/**
 * Building the channel-neutral view of a judgment (model/judgment.ts `JudgmentView`) from an execution. Renderers
 * (Slack's Block Kit builders) take it from here; nothing here knows a wire format.
 */
import type { PipelineExecution, StageExecution } from '../model/execution.js';
import type { ExecutionEventName, ExecutionNotificationView, JudgmentView } from '../model/judgment.js';
import type { NotificationConfig } from '../model/pipeline.js';
import { approvalsOf, decisionOf } from '../engine/judge.js';
import { allowedJudgmentRoles, judgmentInputValues, judgmentTimeoutMs, requiredApprovals } from '../engine/stages/manual-judgment.js';
import { evaluateTemplate } from '../expressions/index.js';
import { expressionContextFor, stageFunctions } from '../engine/expression-context.js';

/**
 * The UI link of an execution, focused on a stage, in Deck's URL shape:
 * `${publicUrl}/#/applications/{app}/executions/details/{executionId}?refId={refId}`.
 */
export function executionUrl(publicUrl: string, execution: PipelineExecution, refId: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return `${base}/#/applications/${encodeURIComponent(execution.application)}/executions/details/${encodeURIComponent(execution.id)}?refId=${encodeURIComponent(refId)}`;
}

function textOf(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * The author's raw texts for a stage, from the pipeline config the execution was started with (before any
 * `${...}` evaluation): its instructions, and the custom text of the Slack preference for `address` and `when`.
 */
function rawTexts(execution: PipelineExecution, stage: StageExecution, address: string | undefined, when: string | undefined) {
  const config = execution.pipelineConfig?.stages?.find((s) => String(s.refId) === stage.refId) as Record<string, unknown> | undefined;
  const pref = address !== undefined ? slackPreferences(config?.notifications).find((n) => n.address === address) : undefined;
  return {
    instructions: textOf(config?.instructions),
    custom: when !== undefined ? textOf(pref?.message?.[when]?.text) : null,
  };
}

/**
 * Custom notification text is evaluated when it is delivered (from the raw text, once), so it can refer to what
 * happened meanwhile, e.g. `${#judgment('Approve production')}` in a manualJudgmentContinue text.
 */
function evaluateAtDelivery(execution: PipelineExecution, stage: StageExecution | null, text: string): string {
  const ctx = expressionContextFor(execution, stage ?? undefined);
  return evaluateTemplate(text, ctx, { functions: stageFunctions(execution, stage ?? undefined) }).value;
}

/**
 * The view of a stage's judgment. `notification` and `when` (Deck's event names: `manualJudgment`,
 * `manualJudgmentContinue`, `manualJudgmentStop`) pick the preference's custom text, if it has one.
 */
export function judgmentViewFor(
  execution: PipelineExecution,
  stage: StageExecution,
  publicUrl: string,
  notification?: NotificationConfig,
  when?: string,
): JudgmentView {
  const raw = rawTexts(execution, stage, notification?.address, when);
  const custom = raw.custom !== null ? evaluateAtDelivery(execution, stage, raw.custom) : undefined;
  const decision = decisionOf(stage.context);
  const ended =
    decision === null && stage.status !== 'RUNNING' && stage.status !== 'NOT_STARTED'
      ? stage.context.timedOut === true
        ? 'TIMED_OUT'
        : stage.status
      : null;
  const instructions = stage.context.instructions;
  return {
    application: execution.application,
    pipelineName: execution.name,
    executionId: execution.id,
    stageId: stage.id,
    refId: stage.refId,
    stageName: stage.name,
    triggeredBy: execution.trigger.user,
    instructions: typeof instructions === 'string' && instructions.trim() !== '' ? instructions : null,
    notificationText: typeof custom === 'string' && custom.trim() !== '' ? custom : null,
    templates: [raw.instructions, raw.custom].filter((t): t is string => typeof t === 'string'),
    parameters: execution.trigger.parameters,
    judgmentInputs: judgmentInputValues(stage.context),
    executionUrl: executionUrl(publicUrl, execution, stage.refId),
    decision,
    endedWithoutJudgment: ended,
    endedBy: ended === 'CANCELED' ? execution.canceledBy : null,
    endedReason: ended === 'CANCELED' ? execution.cancellationReason : null,
    timeoutMs: judgmentTimeoutMs(stage.context),
    requiredApprovals: requiredApprovals(stage.context),
    approvals: approvalsOf(stage.context),
    allowedRoles: allowedJudgmentRoles(stage.context),
    awaitingSince: stage.startTime,
    failPipeline: stage.context.failPipeline !== false,
  };
}

/**
 * The view of a pipeline- or stage-level notification. The preference's custom text (`message[when].text`) is
 * evaluated here for pipeline-level preferences (stage-level ones were evaluated when the stage started).
 */
export function executionNotificationViewFor(
  execution: PipelineExecution,
  stage: StageExecution | null,
  event: ExecutionEventName,
  notification: NotificationConfig | undefined,
  publicUrl: string,
): ExecutionNotificationView {
  const rawCustom = stage ? rawTexts(execution, stage, notification?.address, event).custom : textOf(notification?.message?.[event]?.text);
  const custom = rawCustom !== null ? evaluateAtDelivery(execution, stage, rawCustom) : null;
  const failed = execution.stages.find((s) => s.status === 'TERMINAL' || s.status === 'STOPPED');
  const failure = (s: StageExecution | undefined) => {
    const details = (s?.context.exception as { details?: { error?: unknown } } | undefined)?.details?.error;
    return s ? `stage "${s.name}" ${s.status}${typeof details === 'string' ? `: ${details}` : ''}` : null;
  };
  return {
    event,
    application: execution.application,
    pipelineName: execution.name,
    executionId: execution.id,
    executionUrl: executionUrl(publicUrl, execution, stage?.refId ?? execution.stages[0]?.refId ?? ''),
    status: stage ? stage.status : execution.status,
    triggeredBy: execution.trigger.user,
    stageName: stage?.name ?? null,
    customText: typeof custom === 'string' && custom.trim() !== '' ? custom : null,
    templates: rawCustom !== null ? [rawCustom] : [],
    startTime: stage ? stage.startTime : execution.startTime,
    endTime: stage ? stage.endTime : execution.endTime,
    error: event.endsWith('.failed') ? failure(stage ?? failed) : null,
  };
}

/** The Slack notification preferences of a stage that are switched on (`sendNotifications` not false). */
export function slackNotificationsOf(stage: StageExecution): Array<NotificationConfig & { address: string; when: string[] }> {
  if (stage.context.sendNotifications === false) return [];
  return slackPreferences(stage.context.notifications);
}

/** The `type: "slack"` entries of a notification list, one per channel, address without '#'. */
export function slackPreferences(prefs: unknown): Array<NotificationConfig & { address: string; when: string[] }> {
  const list = Array.isArray(prefs) ? (prefs as NotificationConfig[]) : [];
  const seen = new Set<string>();
  const out: Array<NotificationConfig & { address: string; when: string[] }> = [];
  for (const n of list) {
    if (!n || n.type !== 'slack' || typeof n.address !== 'string') continue;
    const address = normaliseAddress(n.address);
    if (address === '' || seen.has(address)) continue;
    seen.add(address);
    out.push({ ...n, address, when: Array.isArray(n.when) ? n.when.filter((w): w is string => typeof w === 'string') : [] });
  }
  return out;
}

/** Deck lets people write the channel with or without '#'. */
export function normaliseAddress(address: string): string {
  return address.trim().replace(/^#/, '');
}

/** A notification that could not be delivered (yet), as shown on a stage's `context.notificationErrors`. */
export interface NotificationError {
  /** The channel as configured (without '#'). */
  address: string;
  /** What was being delivered: the judgment message, its update, a reply, a reminder, or a pipeline/stage event. */
  what: string;
  /** Slack's error in words, with a hint for the ones people fix themselves. */
  error: string;
  /** `retrying` while it is still being retried, `failed` once given up. */
  status: 'retrying' | 'failed';
  attempts: number;
}

const WHAT: Record<string, string> = {
  'slack.judgment.post': 'judgment message',
  'slack.judgment.update': 'judgment message update',
  'slack.judgment.reply': 'judgment notification',
  'slack.judgment.remind': 'judgment reminder',
  'slack.execution.notify': 'notification',
};

/**
 * Returns a copy of the execution with each stage's delivery problems as `context.notificationErrors` (an
 * extension; pipeline-level problems go on `notificationErrors` of the execution). Reads only.
 */
export function withNotificationErrors<E extends PipelineExecution | Omit<PipelineExecution, 'pipelineConfig'>>(
  execution: E,
  problems: Array<{ kind: string; payload: Record<string, unknown>; status: string; lastError: string; attempts: number }>,
): E & { notificationErrors?: NotificationError[] } {
  if (problems.length === 0) return execution;
  const byStage = new Map<string, NotificationError[]>();
  for (const p of problems) {
    const stageId = typeof p.payload.stageId === 'string' ? p.payload.stageId : '';
    const list = byStage.get(stageId) ?? [];
    list.push({
      address: String(p.payload.address ?? ''),
      what: WHAT[p.kind] ?? p.kind,
      error: p.lastError,
      status: p.status === 'failed' ? 'failed' : 'retrying',
      attempts: p.attempts,
    });
    byStage.set(stageId, list);
  }
  const stages = execution.stages.map((s) => (byStage.has(s.id) ? { ...s, context: { ...s.context, notificationErrors: byStage.get(s.id) } } : s));
  const top = byStage.get('');
  return { ...execution, stages, ...(top ? { notificationErrors: top } : {}) } as E & { notificationErrors?: NotificationError[] };
}
