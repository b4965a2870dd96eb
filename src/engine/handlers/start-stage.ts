/**
 * StartStage: a NOT_STARTED stage whose upstream stages all ended in SUCCEEDED, FAILED_CONTINUE or SKIPPED becomes
 * RUNNING; its context's `${...}` are evaluated, its type's `start` runs, and its task is queued.
 *
 * Before that, as orca's StartStageHandler (`shouldSkip` → OptionalStageSupport.isOptional → SkipStage), a stage
 * with `stageEnabled: {type: "expression", expression}` whose expression evaluates to false is SKIPPED: it never
 * runs and its downstream stages start as after SUCCEEDED. An expression that cannot be evaluated (or whose value is
 * not true/false) does not skip the stage — orca logs "Unable to determine stage optionality" and runs it; we also
 * list the failure in the stage's `expressionEvaluationSummary` so the execution JSON shows it.
 */
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import { isComplete, CONTINUABLE_STATUSES } from '../../model/status.js';
import { STAGE_TYPES } from '../stages/index.js';
import { evaluateStageContext, evaluateStageExpression, expressionSummary } from '../expression-context.js';
import type { EngineMessage } from '../messages.js';
import { findStage, upstreamStages, type HandlerContext } from './context.js';
import { completeStage } from './complete-stage.js';

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

export async function startStage(h: HandlerContext, msg: EngineMessage): Promise<void> {
  const execution = await h.execution(msg.executionId);
  const stage = findStage(execution, msg.stageId ?? '');
  if (!stage || stage.status !== 'NOT_STARTED' || isComplete(execution.status)) return;
  if (!upstreamStages(execution, stage).every((u) => CONTINUABLE_STATUSES.has(u.status))) return;
  const enabled = stageDisabled(execution, stage);
  if (enabled.skip) {
    stage.startTime = h.now;
    await completeStage(h, execution, stage, 'SKIPPED');
    await h.save(execution);
    return;
  }
  const type = STAGE_TYPES.get(stage.type);
  stage.status = 'RUNNING';
  stage.startTime = h.now;
  // A type that evaluates some of its fields itself, in order (evaluateVariables' `variables`), lists them in
  // `rawContextKeys`; they are left as written here (orca: `ExpressionAwareStageDefinitionBuilder.processExpressions`).
  const rawKeys = type?.rawContextKeys ?? [];
  stage.context = evaluateStageContext(execution, stage, rawKeys);
  if (enabled.error) {
    const summary = (stage.context.expressionEvaluationSummary ?? {}) as Record<string, unknown[]>;
    const extra = expressionSummary([enabled.error]);
    for (const [k, v] of Object.entries(extra)) summary[k] = [...(summary[k] ?? []), ...v];
    stage.context.expressionEvaluationSummary = summary;
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
