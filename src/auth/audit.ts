/**
 * The audit log: who did what to which application, and how they came (`via`). Spinnaker has no audit-log shape of
 * its own in open source (echo's history is events, not decisions), so the fields are ours, plain and documented:
 *
 * `{id, at, user, via, action, application, executionId?, stageId?, outcome, detail}`
 * - `id`: increasing number; `at`: epoch ms.
 * - `user`: the caller (email, token user, Slack user's email or name, or the trigger's `runAsUser`/`anonymous`
 *   for webhook triggers); `via`: `api` | `ui` | `cli` | `slack` | `webhook`.
 * - `action`: one of {@link AuditAction}.
 * - `outcome`: `ok` (done), `refused` (the rules or the state refused it: a judgment by someone without the stage's
 *   role, a second judgment, a stage not awaiting one) or `denied` (the application's permissions refused it: 403).
 * - `detail`: what the action was about (judgmentStatus, reason, pipeline name, the new permissions, the message
 *   of a refusal...). Never a secret.
 *
 * Entries are written in the same transaction as the change where the change has one the route can join (pipeline
 * save and delete, application changes, judgments); after it otherwise (trigger, cancel, pause, resume, restart:
 * the engine commits those itself). The service never updates or deletes an entry.
 */
import type { Repositories } from '../store/index.js';
import type { Identity } from './identity.js';
import type { JudgeOutcome } from '../engine/judge.js';
import type { ConstraintJudgeOutcome } from '../managed/delivery.js';

/** What was done. */
export type AuditAction =
  | 'application.save'
  | 'pipeline.save'
  | 'pipeline.delete'
  | 'pipeline.trigger'
  | 'execution.cancel'
  | 'execution.pause'
  | 'execution.resume'
  | 'execution.delete'
  | 'stage.restart'
  | 'stage.skipWait'
  | 'judgment'
  // Managed delivery (src/api/routes/managed.ts, Slack judgement clicks):
  | 'managed.config.submit'
  | 'managed.version.register'
  | 'managed.judgement'
  | 'managed.pin'
  | 'managed.unpin'
  | 'managed.veto';

/** How it ended: done, refused by the rules or state, or denied by the application's permissions. */
export type AuditOutcome = 'ok' | 'refused' | 'denied';

/** An entry to write (the store assigns `id`). */
export interface AuditRecord {
  at: number;
  user: string;
  via: string;
  action: AuditAction;
  application: string;
  executionId?: string;
  stageId?: string;
  outcome: AuditOutcome;
  detail: Record<string, unknown>;
}

/** The entry fields that come from the caller's identity. */
export function actor(identity: Identity | undefined): { user: string; via: string } {
  return { user: identity?.user ?? 'anonymous', via: identity?.via ?? 'api' };
}

/** Appends one entry with `repos` (a transaction's repositories to write it with the change). */
export async function audit(repos: Repositories, entry: AuditRecord): Promise<void> {
  await repos.audit.append(entry);
}

/**
 * The audit outcome and detail of a judgment attempt: `ok` when accepted or counted, `denied` when the application's
 * permissions refused it, `refused` otherwise (stage roles, self-approval, already judged, not awaiting), with the
 * reason in words.
 */
export function judgmentAudit(o: JudgeOutcome): { outcome: AuditOutcome; detail: Record<string, unknown> } {
  switch (o.outcome) {
    case 'accepted':
      return { outcome: 'ok', detail: { result: 'accepted' } };
    case 'approval_recorded':
      return { outcome: 'ok', detail: { result: 'approval_recorded', approvals: o.approvals.length, required: o.required } };
    case 'already_judged':
      return { outcome: 'refused', detail: { result: 'already_judged', reason: `already judged: ${o.decision.judgmentStatus} by ${o.decision.user}` } };
    case 'not_awaiting':
      return { outcome: 'refused', detail: { result: 'not_awaiting', reason: o.timedOut ? 'the judgment timed out' : `stage is ${o.stageStatus}` } };
    case 'refused':
      return { outcome: o.reason === 'no_permission' ? 'denied' : 'refused', detail: { result: o.reason, reason: o.message } };
  }
}

/**
 * The audit outcome and detail of a constraint judgement attempt: `ok` when accepted, `denied` when the
 * application's permissions refused it, `refused` otherwise (the constraint's roles, already judged, not awaiting).
 */
export function managedJudgementAudit(o: ConstraintJudgeOutcome): { outcome: AuditOutcome; detail: Record<string, unknown> } {
  switch (o.outcome) {
    case 'accepted':
      return { outcome: 'ok', detail: { result: 'accepted' } };
    case 'already_judged':
      return { outcome: 'refused', detail: { result: 'already_judged', reason: `already judged: ${o.state.status}${o.state.judgedBy ? ` by ${o.state.judgedBy}` : ''}` } };
    case 'not_awaiting':
      return { outcome: 'refused', detail: { result: 'not_awaiting', reason: o.message } };
    case 'refused':
      return { outcome: o.reason === 'no_permission' ? 'denied' : 'refused', detail: { result: o.reason, reason: o.message } };
  }
}
