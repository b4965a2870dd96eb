/**
 * StartStage: a NOT_STARTED stage whose upstream stages all ended in SUCCEEDED, FAILED_CONTINUE or SKIPPED becomes
 * RUNNING; its context's `${...}` are evaluated, its type's `start` runs, and its task is queued.
 *
 * Before that, as orca's StartStageHandler (`shouldSkip` → OptionalStageSupport.isOptional → SkipStage), a stage
 * with `stageEnabled: {type: "expression", expression}` whose expression evaluates to false is SKIPPED: it never
 * runs and its downstream stages start as after SUCCEEDED. An expression that cannot be evaluated (or whose value is
 * not true/false) does not skip the stage — orca logs "Unable to determine stage optionality" and runs it; we also
 * list the failure in the stage's `expressionEvaluationSummary` so the execution JSON shows it.
 *
 * A stage with `restrictExecutionDuringTimeWindow: true` (orca's RestrictExecutionDuringTimeWindow, there a
 * synthetic stage before it) starts only inside its `restrictedExecutionWindow` (see `time-window.ts`; UTC here, orca
 * uses `tasks.execution-window.timezone`): outside it the stage becomes SUSPENDED (startTime still null) with
 * `scheduledTime` (epoch ms) in its context, and StartStage is queued again for that moment; StartStage therefore
 * takes SUSPENDED stages as well as NOT_STARTED ones. A window config that cannot be read (a pipeline saved before
 * it was validated) fails the stage, as orca's task answers TERMINAL. `stageEnabled` is decided first: a disabled
 * stage is SKIPPED without waiting for its window.
 *
 * With `failOnFailedExpressions: true` (orca's ExpressionAware), a `${...}` of the context that fails to evaluate at
 * start fails the stage at once with its failure status (TERMINAL, or STOPPED / FAILED_CONTINUE per
 * `failPipeline` / `continuePipeline`), the failures listed in `context.exception.details.errors`; its task never
 * runs. Without the flag the stage runs and the failures are only listed in `expressionEvaluationSummary`.
 */
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import { isComplete, CONTINUABLE_STATUSES } from '../../model/status.js';
import { STAGE_TYPES } from '../stages/index.js';
import { evaluateStageContext, evaluateStageExpression, expressionSummary } from '../expression-context.js';
import type { EngineMessage } from '../messages.js';
import { findStage, upstreamStages, type HandlerContext } from './context.js';
import { completeStage, failureStatus } from './complete-stage.js';
import { nextWindowOpening, type ExecutionWindow } from '../time-window.js';

/**
 * Whether `stageEnabled` turns the stage off, as orca's OptionalStageSupport: only `type: "expression"` (any case)
 * counts; the value must be true or false (boolean, or the text "true"/"false" in any case).
 * @returns `skip` true only for a value of false; `error` when the expression could not decide.
 */
export function stageDisabled(execution: PipelineExecution, stage: StageExecution): { skip: boolean; error?: { expression: string; message: string } } {
  const enabled = stage.context.stageEnabled;
  if (enabled === null || typeof enabled !== 'object' || Array.isArray(enabled)) return { skip: false };
  const { type, expression } = enabled as { type?: unknown; expression?: unknown };
  if (typeof type !== 'string' || type.toLowerCase() !== 'expression') return { skip: false };
  const written = typeof expression === 'string' ? expression : JSON.stringify(expression ?? null);
  const r = evaluateStageExpression(execution, stage, expression ?? '');
  if (!r.ok) return { skip: false, error: { expression: written, message: `stageEnabled could not be evaluated (the stage runs): ${r.message}` } };
  const v = typeof r.value === 'string' ? r.value.trim().toLowerCase() : r.value;
  if (v === true || v === 'true') return { skip: false };
  if (v === false || v === 'false') return { skip: true };
  return { skip: false, error: { expression: written, message: `stageEnabled evaluated to ${JSON.stringify(r.value)}, not true or false (the stage runs)` } };
}

/**
 * For a stage restricted to a time window: null when it may start now, else when it may (epoch ms), or an error
 * when the window config cannot be read or never opens.
 */
export function windowWait(stage: StageExecution, now: number): { until: number } | { error: string } | null {
  if (stage.context.restrictExecutionDuringTimeWindow !== true) return null;
  // Deck's "skip remaining window" (the same PATCH as a wait's skipRemainingWait) lets the stage start now.
  if (stage.context.skipRemainingWait === true) return null;
  // No window object: no restriction on hours or days (orca reads a missing whitelist as the whole day).
  if (stage.context.restrictedExecutionWindow === undefined || stage.context.restrictedExecutionWindow === null) return null;
  const window = readWindow(stage.context.restrictedExecutionWindow);
  if (typeof window === 'string') return { error: `restrictedExecutionWindow: ${window}` };
  const opening = nextWindowOpening(window, now);
  if (opening === null) return { error: 'restrictedExecutionWindow never opens (no day 1-7 in days)' };
  return opening <= now ? null : { until: opening };
}

/** The window config as `time-window.ts` takes it, or why it is not one (validate.ts gives the same rules). */
function readWindow(raw: unknown): ExecutionWindow | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'expected an object {whitelist, days}';
  const { whitelist, days } = raw as { whitelist?: unknown; days?: unknown };
  const whole = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  if (whitelist !== undefined && whitelist !== null) {
    if (!Array.isArray(whitelist)) return 'whitelist: expected an array';
    for (const [i, w] of whitelist.entries()) {
      const x = (w ?? {}) as Record<string, unknown>;
      if (!whole(x.startHour, 23) || !whole(x.endHour, 23) || !whole(x.startMin ?? 0, 59) || !whole(x.endMin ?? 0, 59)) {
        return `whitelist[${i}]: expected {startHour, startMin, endHour, endMin} with hours 0-23 and minutes 0-59`;
      }
    }
  }
  if (days !== undefined && days !== null) {
    if (!Array.isArray(days) || !days.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1 && d <= 7)) {
      return 'days: expected day numbers 1-7 (1 = Sunday)';
    }
  }
  return { whitelist: (whitelist ?? []) as ExecutionWindow['whitelist'], days: (days ?? []) as number[] };
}

export async function startStage(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const execution = await h.execution(msg.executionId);
  const stage = findStage(execution, msg.stageId ?? '');
  // While the execution is PAUSED no stage starts; ResumeExecution queues StartStage again for the ready ones.
  if (!stage || (stage.status !== 'NOT_STARTED' && stage.status !== 'SUSPENDED') || isComplete(execution.status) || execution.status === 'PAUSED') return;
  if (!upstreamStages(execution, stage).every((u) => CONTINUABLE_STATUSES.has(u.status))) return;
  const enabled = stageDisabled(execution, stage);
  if (enabled.skip) {
    stage.startTime = h.now;
    await completeStage(h, execution, stage, 'SKIPPED');
    await h.save(execution);
    return;
  }
  const wait = windowWait(stage, h.now);
  if (wait && 'error' in wait) {
    stage.startTime = h.now;
    stage.context.exception = { details: { error: `Exception occurred while calculating time window: ${wait.error}` } };
    await completeStage(h, execution, stage, failureStatus(stage));
    await h.save(execution);
    return;
  }
  if (wait) {
    stage.status = 'SUSPENDED';
    stage.context.scheduledTime = wait.until;
    await h.save(execution);
    await h.push({ kind: 'StartStage', executionId: execution.id, stageId: stage.id }, wait.until);
    return;
  }
  const type = STAGE_TYPES.get(stage.type);
  stage.status = 'RUNNING';
  stage.startTime = h.now;
  // A type that evaluates some of its fields itself, in order (evaluateVariables' `variables`), lists them in
  // `rawContextKeys`; they are left as written here (orca: `ExpressionAwareStageDefinitionBuilder.processExpressions`).
  const rawKeys = type?.rawContextKeys ?? [];
  stage.context = evaluateStageContext(execution, stage, rawKeys);
  // Only the context's own `${...}` count for failOnFailedExpressions; an undecidable stageEnabled lets the stage run.
  const failed = Object.entries((stage.context.expressionEvaluationSummary ?? {}) as Record<string, Array<{ description: string }>>).flatMap(
    ([expression, list]) => list.map((e) => `\${${expression}}: ${e.description}`),
  );
  if (enabled.error) {
    const summary = (stage.context.expressionEvaluationSummary ?? {}) as Record<string, unknown[]>;
    const extra = expressionSummary([enabled.error]);
    for (const [k, v] of Object.entries(extra)) summary[k] = [...(summary[k] ?? []), ...v];
    stage.context.expressionEvaluationSummary = summary;
  }
  if (stage.context.failOnFailedExpressions === true && failed.length > 0) {
    const errors = failed;
    stage.context.exception = {
      details: {
        error: `Failed to evaluate ${errors.length === 1 ? 'an expression' : `${errors.length} expressions`} of stage "${stage.name}" (failOnFailedExpressions)`,
        errors,
      },
    };
    await completeStage(h, execution, stage, failureStatus(stage));
    await h.save(execution);
    return;
  }
  for (const t of stage.tasks) {
    t.status = 'RUNNING';
    t.startTime = h.now;
  }
  const started = type ? type.start({ execution, stage, now: h.now }) : {};
  await h.save(execution);
  await h.publish([{ type: 'stage.starting', executionId: execution.id, stageId: stage.id }, ...(started.events ?? [])]);
  await h.push({ kind: 'RunTask', executionId: execution.id, stageId: stage.id });
}
