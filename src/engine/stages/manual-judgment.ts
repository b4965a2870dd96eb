/**
 * `manualJudgment`: waits until someone decides (`judgmentStatus` "continue" or "stop"), as orca's
 * ManualJudgmentStage / WaitForManualJudgmentTask. The task is not polled: `judge()` writes the decision and
 * queues RunTask in the same transaction, so the next stage starts at once.
 *
 * Outcomes: continue → SUCCEEDED; stop → TERMINAL, which the engine maps to STOPPED when `failPipeline: false`.
 */
import { z } from 'zod';
import type { StageType } from './types.js';

const notification = z
  .object({
    type: z.string({ error: 'expected a string such as "slack"' }),
    address: z.string({ error: 'expected the channel (with or without #)' }).min(1, 'expected the channel'),
    when: z.array(z.string()).optional(),
    level: z.string().optional(),
    message: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

const schema = z.object({
  instructions: z.string().optional().nullable(),
  judgmentInputs: z
    .array(z.object({ value: z.string({ error: 'expected a string' }) }, { error: 'expected an object {value}' }).passthrough(), { error: 'expected an array of {value}' })
    .optional(),
  notifications: z.array(notification, { error: 'expected an array of notification preferences' }).optional(),
  sendNotifications: z.boolean().optional(),
  failPipeline: z.boolean().optional(),
  stageTimeoutMs: z.number().int().positive().optional(),
  selectedStageRoles: z.array(z.string()).optional(),
  propagateAuthenticationContext: z.boolean().optional(),
});

/** The judgment inputs' values, in order (empty when the stage has none). */
export function judgmentInputValues(context: Record<string, unknown>): string[] {
  const inputs = context.judgmentInputs;
  if (!Array.isArray(inputs)) return [];
  return inputs
    .map((i) => (i && typeof i === 'object' ? (i as { value?: unknown }).value : undefined))
    .filter((v): v is string => typeof v === 'string');
}

export const manualJudgmentStage: StageType = {
  type: 'manualJudgment',
  schema,
  taskName: 'waitForJudgment',
  start({ execution, stage }) {
    return { events: [{ type: 'judgment.awaiting', executionId: execution.id, stageId: stage.id }] };
  },
  run({ stage }) {
    const status = stage.context.judgmentStatus;
    if (status === 'continue') return { status: 'SUCCEEDED' };
    if (status === 'stop') return { status: 'TERMINAL' };
    return { status: 'RUNNING', retryAt: null };
  },
  onCancel({ execution, stage }) {
    return { events: [{ type: 'judgment.ended', executionId: execution.id, stageId: stage.id, status: 'CANCELED' }] };
  },
};
