/**
 * Building the channel-neutral view of a judgment (model/judgment.ts `JudgmentView`) from an execution. Renderers
 * (Slack's Block Kit builders) take it from here; nothing here knows a wire format.
 */
import type { PipelineExecution, StageExecution } from '../model/execution.js';
import type { JudgmentView } from '../model/judgment.js';
import type { NotificationConfig } from '../model/pipeline.js';
import { decisionOf } from '../engine/judge.js';
import { judgmentInputValues } from '../engine/stages/manual-judgment.js';

/**
 * The UI link of an execution, focused on a stage, in Deck's URL shape:
 * `${publicUrl}/#/applications/{app}/executions/details/{executionId}?refId={refId}`.
 */
export function executionUrl(publicUrl: string, execution: PipelineExecution, refId: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return `${base}/#/applications/${encodeURIComponent(execution.application)}/executions/details/${encodeURIComponent(execution.id)}?refId=${encodeURIComponent(refId)}`;
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
  const custom = notification && when ? notification.message?.[when]?.text : undefined;
  const decision = decisionOf(stage.context);
  const ended = decision === null && stage.status !== 'RUNNING' && stage.status !== 'NOT_STARTED' ? stage.status : null;
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
    parameters: execution.trigger.parameters,
    judgmentInputs: judgmentInputValues(stage.context),
    executionUrl: executionUrl(publicUrl, execution, stage.refId),
    decision,
    endedWithoutJudgment: ended,
  };
}

/** The Slack notification preferences of a stage that are switched on (`sendNotifications` not false). */
export function slackNotificationsOf(stage: StageExecution): Array<NotificationConfig & { address: string; when: string[] }> {
  if (stage.context.sendNotifications === false) return [];
  const list = Array.isArray(stage.context.notifications) ? (stage.context.notifications as NotificationConfig[]) : [];
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
