/**
 * From domain events to deliveries: which notification work an event causes, given the notification preferences
 * (Deck's `notifications[].when`): on a manual judgment stage `manualJudgment` (the interactive message; also its
 * reminders and updates), `manualJudgmentContinue`, `manualJudgmentStop`; on any stage `stage.starting`,
 * `stage.complete`, `stage.failed`; on the pipeline `pipeline.starting`, `pipeline.complete`, `pipeline.failed`.
 * Each delivery has a dedupe key, so fanning out the same event twice adds nothing.
 */
import type { PipelineExecution, StageExecution } from '../model/execution.js';
import type { ExecutionEventName } from '../model/judgment.js';
import type { NotificationConfig } from '../model/pipeline.js';
import type { DomainEvent } from '../engine/events.js';
import { findStage } from '../engine/handlers/index.js';
import { slackNotificationsOf, slackPreferences } from './judgment-view.js';

export const SLACK_POST = 'slack.judgment.post';
export const SLACK_UPDATE = 'slack.judgment.update';
export const SLACK_REPLY = 'slack.judgment.reply';
export const SLACK_REMIND = 'slack.judgment.remind';
export const SLACK_NOTIFY = 'slack.execution.notify';

export interface DeliveryPayload {
  executionId: string;
  /** Empty for pipeline-level notifications. */
  stageId: string;
  address: string;
  status?: string;
  event?: ExecutionEventName;
  seq?: number;
  /** The stage's restart generation, when restarted (see engine/events.ts). */
  gen?: number;
}

/** The dedupe key of a Slack delivery for a stage and channel (and restart generation, when restarted). */
export function slackDeliveryKey(kind: string, executionId: string, stageId: string, address: string, gen?: number): string {
  return `${kind}:${executionId}:${stageId}:${address}${gen !== undefined ? `:g${gen}` : ''}`;
}

export interface Delivery {
  kind: string;
  dedupeKey: string;
  payload: DeliveryPayload;
}

/** Spinnaker's failure-ish statuses for `*.failed` notifications. */
function completionEvent(level: 'pipeline' | 'stage', status: string): ExecutionEventName | null {
  if (status === 'SUCCEEDED') return `${level}.complete`;
  if (status === 'SKIPPED' || status === 'NOT_STARTED' || status === 'RUNNING') return null;
  if (level === 'stage' && status === 'CANCELED') return null;
  return `${level}.failed`;
}

function notify(execution: PipelineExecution, stage: StageExecution | null, prefs: NotificationConfig[], event: ExecutionEventName): Delivery[] {
  const gen = stage && typeof stage.context.restartGeneration === 'number' ? `:g${stage.context.restartGeneration}` : '';
  return slackPreferences(prefs)
    .filter((n) => n.when.includes(event))
    .map((n) => ({
      kind: SLACK_NOTIFY,
      dedupeKey: `${SLACK_NOTIFY}:${execution.id}:${stage?.id ?? '-'}:${n.address}:${event}${gen}`,
      payload: { executionId: execution.id, stageId: stage?.id ?? '', address: n.address, event },
    }));
}

export function deliveriesFor(event: DomainEvent, execution: PipelineExecution): Delivery[] {
  const pipelinePrefs = (execution.pipelineConfig?.notifications ?? []) as NotificationConfig[];
  if (event.type === 'execution.starting') return notify(execution, null, pipelinePrefs, 'pipeline.starting');
  if (event.type === 'execution.completed') {
    const e = completionEvent('pipeline', event.status);
    return e ? notify(execution, null, pipelinePrefs, e) : [];
  }
  const stage = findStage(execution, event.stageId);
  if (!stage) return [];
  const stagePrefs = stage.context.sendNotifications === false ? [] : ((stage.context.notifications ?? []) as NotificationConfig[]);
  if (event.type === 'stage.starting') return notify(execution, stage, stagePrefs, 'stage.starting');
  if (event.type === 'stage.completed') {
    const e = completionEvent('stage', event.status);
    return e ? notify(execution, stage, stagePrefs, e) : [];
  }
  const gen = 'gen' in event && typeof event.gen === 'number' ? event.gen : undefined;
  const base = (address: string): DeliveryPayload => ({ executionId: execution.id, stageId: stage.id, address, ...(gen !== undefined ? { gen } : {}) });
  const key = (kind: string, address: string, suffix = '') => slackDeliveryKey(kind, execution.id, stage.id, address, gen) + suffix;
  const out: Delivery[] = [];
  for (const n of slackNotificationsOf(stage)) {
    const hasMessage = n.when.includes('manualJudgment');
    switch (event.type) {
      case 'judgment.awaiting':
        if (hasMessage) out.push({ kind: SLACK_POST, dedupeKey: key(SLACK_POST, n.address), payload: base(n.address) });
        break;
      case 'judgment.approval':
        if (hasMessage) out.push({ kind: SLACK_UPDATE, dedupeKey: key(SLACK_UPDATE, n.address, `:approval:${event.count}`), payload: base(n.address) });
        break;
      case 'judgment.reminder':
        if (hasMessage) out.push({ kind: SLACK_REMIND, dedupeKey: key(SLACK_REMIND, n.address, `:${event.seq}`), payload: { ...base(n.address), seq: event.seq } });
        break;
      case 'judgment.decided': {
        if (hasMessage) out.push({ kind: SLACK_UPDATE, dedupeKey: key(SLACK_UPDATE, n.address, ':decided'), payload: base(n.address) });
        const when = event.judgmentStatus === 'continue' ? 'manualJudgmentContinue' : 'manualJudgmentStop';
        if (n.when.includes(when)) {
          out.push({ kind: SLACK_REPLY, dedupeKey: key(SLACK_REPLY, n.address, `:${event.judgmentStatus}`), payload: { ...base(n.address), status: event.judgmentStatus } });
        }
        break;
      }
      case 'judgment.ended':
        if (hasMessage) out.push({ kind: SLACK_UPDATE, dedupeKey: key(SLACK_UPDATE, n.address, ':ended'), payload: base(n.address) });
        break;
    }
  }
  return out;
}
