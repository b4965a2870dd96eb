/**
 * `manualJudgment`: waits until someone decides (`judgmentStatus` "continue" or "stop"), as orca's
 * ManualJudgmentStage / WaitForManualJudgmentTask. The task is not polled for decisions: `judge()` writes the
 * decision and queues RunTask in the same transaction, so the next stage starts at once. The task is only
 * scheduled for the timeout and for reminders.
 *
 * Outcomes: continue → SUCCEEDED; stop → TERMINAL, which the engine maps to STOPPED when `failPipeline: false`.
 * Timeout (`stageTimeoutMs`, default 3 days as orca's task timeout): the stage's failure status, or SUCCEEDED with
 * `markSuccessfulOnTimeout: true`; `context.timedOut` is set and the Slack message says so.
 * Reminders: `notifyEveryMs` publishes `judgment.reminder` every interval while awaiting.
 */
import { z } from 'zod';
import type { StageExecution } from '../../model/execution.js';
import type { StageType } from './types.js';

/** orca's WaitForManualJudgmentTask timeout: 3 days, in ms. */
export const DEFAULT_JUDGMENT_TIMEOUT_MS = 3 * 24 * 60 * 60 * 1000;

const notification = z
  .object({
    type: z.string({ error: 'expected a string such as "slack"' }),
    address: z.string({ error: 'expected the channel (with or without #)' }).min(1, 'expected the channel'),
    when: z.array(z.string(), { error: 'expected a list of events' }).optional(),
    level: z.string().optional(),
    message: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

const roles = z.array(z.string({ error: 'expected a role name' }), { error: 'expected a list of role names' }).optional();

const schema = z.object({
  instructions: z.string({ error: 'expected text' }).optional().nullable(),
  judgmentInputs: z
    .array(z.object({ value: z.string({ error: 'expected a string' }) }, { error: 'expected an object {value}' }).passthrough(), { error: 'expected an array of {value}' })
    .optional(),
  notifications: z.array(notification, { error: 'expected an array of notification preferences' }).optional(),
  sendNotifications: z.boolean({ error: 'expected true or false' }).optional(),
  failPipeline: z.boolean({ error: 'expected true or false' }).optional(),
  stageTimeoutMs: z.number({ error: 'expected milliseconds' }).int('expected whole milliseconds').positive('expected more than 0').optional(),
  markSuccessfulOnTimeout: z.boolean({ error: 'expected true or false' }).optional(),
  notifyEveryMs: z.number({ error: 'expected milliseconds' }).int('expected whole milliseconds').min(1000, 'expected at least 1000 (one second)').optional(),
  selectedStageRoles: roles,
  requiredJudgmentRoles: roles,
  preventSelfApproval: z.boolean({ error: 'expected true or false' }).optional(),
  requiredApprovals: z.number({ error: 'expected a number' }).int('expected a whole number').min(1, 'expected 1 or more').max(20, 'expected at most 20').optional(),
  propagateAuthenticationContext: z.boolean({ error: 'expected true or false' }).optional(),
});

/** The judgment inputs' values, in order (empty when the stage has none). */
export function judgmentInputValues(context: Record<string, unknown>): string[] {
  const inputs = context.judgmentInputs;
  if (!Array.isArray(inputs)) return [];
  return inputs
    .map((i) => (i && typeof i === 'object' ? (i as { value?: unknown }).value : undefined))
    .filter((v): v is string => typeof v === 'string');
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
}

/** Roles allowed to judge: `requiredJudgmentRoles` when non-empty, else `selectedStageRoles`; empty = anyone. */
export function allowedJudgmentRoles(context: Record<string, unknown>): string[] {
  const required = stringList(context.requiredJudgmentRoles);
  return required.length > 0 ? required : stringList(context.selectedStageRoles);
}

/** `requiredApprovals` (extension), at least 1. */
export function requiredApprovals(context: Record<string, unknown>): number {
  const n = context.requiredApprovals;
  return typeof n === 'number' && Number.isInteger(n) && n > 1 ? n : 1;
}

/** The stage's timeout in ms (`stageTimeoutMs`, default 3 days). */
export function judgmentTimeoutMs(context: Record<string, unknown>): number {
  const t = context.stageTimeoutMs;
  return typeof t === 'number' && t > 0 ? t : DEFAULT_JUDGMENT_TIMEOUT_MS;
}

/** When a running judgment times out (epoch ms), or null when the stage has not started. */
export function judgmentDeadline(stage: StageExecution): number | null {
  return stage.startTime === null ? null : stage.startTime + judgmentTimeoutMs(stage.context);
}

/** "2h", "1h 30m", "45s", "3d": a short duration for messages. */
export function shortDuration(ms: number): string {
  // Under a minute, tenths of a second where they matter: 1500 → "1.5s", not "1s".
  if (ms > 0 && ms < 60_000 && ms % 1000 !== 0) return `${(Math.round(ms / 100) / 10).toString()}s`;
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(ms));
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 && parts.length < 2) {
      parts.push(`${n}${u}`);
      rest -= n * size;
    } else if (parts.length > 0) break;
  }
  return parts.join(' ') || '0s';
}

export const manualJudgmentStage: StageType = {
  type: 'manualJudgment',
  schema,
  taskName: 'waitForJudgment',
  start({ execution, stage }) {
    return { events: [{ type: 'judgment.awaiting', executionId: execution.id, stageId: stage.id }] };
  },
  run({ execution, stage, now }) {
    const status = stage.context.judgmentStatus;
    if (status === 'continue') return { status: 'SUCCEEDED' };
    if (status === 'stop') return { status: 'TERMINAL' };
    const deadline = judgmentDeadline(stage) ?? now + judgmentTimeoutMs(stage.context);
    if (now >= deadline) {
      const after = shortDuration(judgmentTimeoutMs(stage.context));
      const events = [{ type: 'judgment.ended' as const, executionId: execution.id, stageId: stage.id, status: 'TIMED_OUT' }];
      if (stage.context.markSuccessfulOnTimeout === true) return { status: 'SUCCEEDED', context: { timedOut: true }, events };
      return { status: 'TERMINAL', context: { timedOut: true, exception: { details: { error: `Manual judgment timed out after ${after}` } } }, events };
    }
    let retryAt = deadline;
    const every = stage.context.notifyEveryMs;
    if (typeof every === 'number' && every >= 1000 && stage.startTime !== null) {
      const due = Math.floor((now - stage.startTime) / every);
      const sent = typeof stage.context.remindersSent === 'number' ? stage.context.remindersSent : 0;
      retryAt = Math.min(deadline, stage.startTime + (due + 1) * every);
      if (due > sent) {
        return {
          status: 'RUNNING',
          retryAt,
          context: { remindersSent: due },
          events: [{ type: 'judgment.reminder', executionId: execution.id, stageId: stage.id, seq: due }],
        };
      }
    }
    return { status: 'RUNNING', retryAt };
  },
  onCancel({ execution, stage }) {
    return { events: [{ type: 'judgment.ended', executionId: execution.id, stageId: stage.id, status: 'CANCELED' }] };
  },
};
