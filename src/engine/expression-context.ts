/**
 * The `${...}` context of a stage, as orca builds it: the execution, its trigger and parameters, and the outputs of
 * the stage's ancestors (upstream stages, transitively), merged in the order they ended (later ones win).
 * Helpers that need the execution, as orca's ContextFunctionConfiguration / ExpressionsSupport register them:
 * `#judgment('Stage name')` (and Spinnaker's alias `#judgement`) return the `judgmentInput` of the named manual
 * judgment stage; `#stage('Stage name')`, `#stageByRefId('refId')` and `#currentStage()` return a stage as orca
 * exposes it (`id`, `refId`, `type`, `name`, `status`, `context`, `outputs`, times).
 */
import type { PipelineExecution, StageExecution } from '../model/execution.js';
import { evaluateExpression, evaluateObject, evaluateTemplateValue, type ExpressionContext, type ExpressionFunction } from '../expressions/index.js';

export function expressionContextFor(execution: PipelineExecution, stage?: StageExecution): ExpressionContext {
  const outputs: Record<string, unknown> = {};
  const ancestors = new Set<string>();
  const visit = (refIds: string[]) => {
    for (const ref of refIds) {
      if (ancestors.has(ref)) continue;
      ancestors.add(ref);
      visit(execution.stages.find((s) => s.refId === ref)?.requisiteStageRefIds ?? []);
    }
  };
  visit(stage ? stage.requisiteStageRefIds : execution.stages.map((s) => s.refId));
  const finished = execution.stages
    .filter((s) => s.endTime !== null && ancestors.has(s.refId))
    .sort((a, b) => (a.endTime ?? 0) - (b.endTime ?? 0));
  for (const s of finished) Object.assign(outputs, s.outputs);
  return {
    ...outputs,
    execution: { id: execution.id, name: execution.name, application: execution.application, status: execution.status },
    trigger: execution.trigger,
    parameters: execution.trigger.parameters,
  };
}

function judgmentOf(execution: PipelineExecution) {
  return (name: unknown): unknown => {
    const stage = execution.stages.find((s) => s.name === name && s.type === 'manualJudgment');
    if (!stage) throw new Error(`no manual judgment stage named ${JSON.stringify(name)}`);
    return stage.context.judgmentInput ?? null;
  };
}

/**
 * A stage as `#stage(...)`, `#stageByRefId(...)` and `#currentStage()` return it: a plain copy (expressions only
 * read own data properties) with the fields of orca's StageExecution that pipelines read, e.g.
 * `${#stage('Deploy').status == 'SUCCEEDED'}` or `${#stage('Compute image').outputs.image}`.
 */
export function stageView(stage: StageExecution): Record<string, unknown> {
  return {
    id: stage.id,
    refId: stage.refId,
    type: stage.type,
    name: stage.name,
    status: stage.status,
    context: structuredClone(stage.context),
    outputs: structuredClone(stage.outputs),
    requisiteStageRefIds: [...stage.requisiteStageRefIds],
    startTime: stage.startTime,
    endTime: stage.endTime,
  };
}

function oneString(helper: string, args: unknown[]): string {
  if (args.length !== 1 || typeof args[0] !== 'string') throw new Error(`#${helper} takes one text argument`);
  return args[0];
}

/**
 * The execution-bound helpers for expressions evaluated for `stage` (or for no stage): `judgment`, `judgement`,
 * `stage`, `stageByRefId`, `currentStage`. Like orca's, `#stage`/`#stageByRefId` throw (the expression then fails
 * and is listed in `expressionEvaluationSummary`) when no stage has that name or refId; `#stage` takes the first
 * stage with the name. `#currentStage()` throws when there is no current stage.
 */
export function stageFunctions(execution: PipelineExecution, stage?: StageExecution): Record<string, ExpressionFunction> {
  const judgment = judgmentOf(execution);
  return {
    judgment,
    judgement: judgment,
    stage: (...args: unknown[]) => {
      const name = oneString('stage', args);
      const found = execution.stages.find((s) => s.name === name);
      if (!found) throw new Error(`no stage named ${JSON.stringify(name)} in this execution`);
      return stageView(found);
    },
    stageByRefId: (...args: unknown[]) => {
      const refId = oneString('stageByRefId', args);
      const found = execution.stages.find((s) => s.refId === refId);
      if (!found) throw new Error(`no stage with refId ${JSON.stringify(refId)} in this execution`);
      return stageView(found);
    },
    currentStage: (...args: unknown[]) => {
      if (args.length !== 0) throw new Error('#currentStage takes no arguments');
      if (!stage) throw new Error('there is no current stage here');
      return stageView(stage);
    },
  };
}

/** Orca's summary shape: expression → [{description, level}], as stored in `context.expressionEvaluationSummary`. */
export function expressionSummary(errors: Array<{ expression: string; message: string }>): Record<string, Array<{ description: string; level: string }>> {
  const out: Record<string, Array<{ description: string; level: string }>> = {};
  for (const e of errors) (out[e.expression] ??= []).push({ description: e.message, level: 'ERROR' });
  return out;
}

/**
 * Evaluates every `${...}` in a stage's context (except the top-level `skipKeys`). Failed expressions stay as written and are listed in
 * `expressionEvaluationSummary` (orca's field) so the execution JSON shows why.
 */
export function evaluateStageContext(
  execution: PipelineExecution,
  stage: StageExecution,
  /** Top-level context keys left as written, for a stage type that evaluates them itself (orca's `processExpressions`). */
  skipKeys: readonly string[] = [],
): Record<string, unknown> {
  const ctx = expressionContextFor(execution, stage);
  const context = Object.fromEntries(Object.entries(stage.context).filter(([k]) => !skipKeys.includes(k)));
  const { value, errors } = evaluateObject(context, ctx, { functions: stageFunctions(execution, stage) });
  const out = { ...(value as Record<string, unknown>) };
  for (const k of skipKeys) if (Object.hasOwn(stage.context, k)) out[k] = stage.context[k];
  if (errors.length > 0) out.expressionEvaluationSummary = expressionSummary(errors);
  return out;
}

/**
 * Evaluates one expression for `stage`, as orca's ExpressionPreconditionTask and OptionalStageSupport do with an
 * `expression` field: the text may be bare (`parameters.deploy == 'true'`, as Deck saves `stageEnabled`) or
 * wrapped whole in `${...}` (as pipelines often write preconditions); a non-string (already evaluated) is returned
 * as is. Never throws: a failure, or a null result, is `{ ok: false, message }`.
 */
export function evaluateStageExpression(
  execution: PipelineExecution,
  stage: StageExecution,
  expression: unknown,
): { ok: true; value: unknown } | { ok: false; message: string } {
  if (typeof expression !== 'string') return { ok: true, value: expression };
  const trimmed = expression.trim();
  const whole = /^\$\{([\s\S]*)\}$/.exec(trimmed);
  const source = whole && !whole[1]!.includes('${') ? whole[1]! : trimmed;
  if (source.includes('${')) {
    const r = evaluateTemplateValue(trimmed, expressionContextFor(execution, stage), { functions: stageFunctions(execution, stage) });
    return r.errors.length > 0 ? { ok: false, message: r.errors.map((e) => e.message).join('; ') } : { ok: true, value: r.value };
  }
  try {
    const value = evaluateExpression(source, expressionContextFor(execution, stage), { functions: stageFunctions(execution, stage) });
    if (value === null || value === undefined) return { ok: false, message: 'evaluated to null' };
    return { ok: true, value };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
