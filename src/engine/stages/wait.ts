/**
 * `wait`: waits `waitTime` seconds (Spinnaker's unit for this field) from the stage's start.
 * The deadline is derived from the stored `startTime`, so a restart neither shortens nor restarts the wait, and
 * time spent PAUSED is not added (orca's WaitTask: `startTime + waitDuration`, nothing else).
 * `skipRemainingWait: true` (set through `PATCH /pipelines/{id}/stages/{stageId}`) ends the wait at once, SUCCEEDED,
 * as orca's WaitTask.
 */
import { z } from 'zod';
import type { StageType } from './types.js';

const schema = z.object({
  waitTime: z.union(
    [
    z.number().nonnegative('waitTime: expected seconds, 0 or more'),
      z.string().regex(/^\s*(\d+|\$\{[\s\S]*\})\s*$/, 'waitTime: expected a number of seconds or a ${...} expression'),
    ],
    { error: (i) => (i.input === undefined ? 'required: the seconds to wait' : 'expected a number of seconds or a ${...} expression') },
  ),
});

/** Seconds to wait, from the (already evaluated) context; NaN when it is not a number. */
function waitSeconds(context: Record<string, unknown>): number {
  const v = context.waitTime;
  return typeof v === 'number' ? v : Number(String(v).trim());
}

export const waitStage: StageType = {
  type: 'wait',
  schema,
  taskName: 'wait',
  start() {
    return {};
  },
  run({ stage, now }) {
    if (stage.context.skipRemainingWait === true) return { status: 'SUCCEEDED' };
    const seconds = waitSeconds(stage.context);
    if (!Number.isFinite(seconds) || seconds < 0) {
      return {
        status: 'TERMINAL',
        context: { exception: { details: { error: `waitTime: expected seconds, got ${JSON.stringify(stage.context.waitTime)}` } } },
      };
    }
    const deadline = (stage.startTime ?? now) + seconds * 1000;
    if (now >= deadline) return { status: 'SUCCEEDED' };
    return { status: 'RUNNING', retryAt: deadline };
  },
};
