/**
 * From domain events to deliveries: which notification work an event causes, given the stage's notification
 * preferences (Deck's `notifications[].when`: `manualJudgment` = awaiting, `manualJudgmentContinue`,
 * `manualJudgmentStop`). Each delivery has a dedupe key, so fanning out the same event twice adds nothing.
 */
import type { PipelineExecution } from '../model/execution.js';
import type { DomainEvent } from '../engine/events.js';
import { findStage } from '../engine/handlers/index.js';
import { slackNotificationsOf } from './judgment-view.js';

export const SLACK_POST = 'slack.judgment.post';
export const SLACK_UPDATE = 'slack.judgment.update';
export const SLACK_REPLY = 'slack.judgment.reply';

export interface Delivery {
  kind: string;
  dedupeKey: string;
  payload: { executionId: string; stageId: string; address: string; status?: string };
}

export function deliveriesFor(event: DomainEvent, execution: PipelineExecution): Delivery[] {
  if (event.type === 'execution.completed') return [];
  const stage = findStage(execution, event.stageId);
  if (!stage) return [];
  const base = (address: string) => ({ executionId: execution.id, stageId: stage.id, address });
  const key = (kind: string, address: string, suffix = '') => `${kind}:${execution.id}:${stage.id}:${address}${suffix}`;
  const out: Delivery[] = [];
  for (const n of slackNotificationsOf(stage)) {
    const hasMessage = n.when.includes('manualJudgment');
    switch (event.type) {
      case 'judgment.awaiting':
        if (hasMessage) out.push({ kind: SLACK_POST, dedupeKey: key(SLACK_POST, n.address), payload: base(n.address) });
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
