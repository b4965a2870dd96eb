/**
 * The `${...}` context of a stage, as orca builds it: the execution, its trigger and parameters, and the outputs of
 * the stage's ancestors (upstream stages, transitively), merged in the order they ended (later ones win). `#judgment('Stage name')` (and Spinnaker's alias
 * `#judgement`) return the `judgmentInput` of the named manual judgment stage.
 */
import type { PipelineExecution, StageExecution } from '../model/execution.js';
import { evaluateObject, type ExpressionContext } from '../expressions/index.js';

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
 * Evaluates every `${...}` in a stage's context. Failed expressions stay as written and are listed in
 * `expressionEvaluationSummary` (orca's field) so the execution JSON shows why.
 */
export function evaluateStageContext(execution: PipelineExecution, stage: StageExecution): Record<string, unknown> {
  const ctx = expressionContextFor(execution, stage);
  const context = stage.context;
  const judgment = judgmentOf(execution);
  const { value, errors } = evaluateObject(context, ctx, { functions: { judgment, judgement: judgment } });
  const out = { ...(value as Record<string, unknown>) };
  if (errors.length > 0) {
    out.expressionEvaluationSummary = Object.fromEntries(
      errors.map((e) => [e.expression, [{ description: e.message, level: 'ERROR' }]]),
    );
  }
  return out;
}
