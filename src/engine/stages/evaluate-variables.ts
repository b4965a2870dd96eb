/**
 * `evaluateVariables`: evaluates `variables: [{key, value, description?}]` in order and publishes each as a stage
 * output, so later stages read `${key}` — as orca's EvaluateVariablesStage / EvaluateVariablesTask.
 *
 * - Order matters: each value is evaluated over the usual stage context (execution, trigger, parameters, ancestors'
 *   outputs, `#helpers`) plus the variables evaluated before it in this stage, so `${image}` in the second variable
 *   reads the first one. That is why StartStage leaves `variables` as written (`rawContextKeys`) and the task
 *   evaluates them itself, as orca's `processExpressions` excludes `variables` from the generic pass.
 * - A value that is exactly one `${...}` keeps its type (number, boolean, list, map); others are text.
 * - A failing expression (or one evaluating to null) is left as written, listed in
 *   `context.expressionEvaluationSummary` (orca's field), and is not visible to later variables; its key is still
 *   output with the unevaluated text, as orca does. With `failOnFailedExpressions: true` the stage fails instead
 *   (TERMINAL, or the stage's failure status) with `context.exception.details.errors` naming each failure.
 */
import { z } from 'zod';
import { evaluateTemplate, evaluateTemplateValue } from '../../expressions/index.js';
import { expressionContextFor, expressionSummary, stageFunctions } from '../expression-context.js';
import type { StageType } from './types.js';

const variable = z
  .object(
    {
      key: z.string({ error: 'expected a string' }).trim().min(1, 'must not be empty'),
      value: z.unknown().refine((v) => v !== undefined, 'required (text, a ${...} expression, or JSON)'),
      description: z.string({ error: 'expected a string' }).optional().nullable(),
    },
    { error: 'expected an object {key, value}' },
  )
  .passthrough();

const schema = z.object({
  variables: z.array(variable, {
    error: (i) => (i.input === undefined ? 'required (a list of {key, value})' : 'expected a list of {key, value}'),
  }),
  failOnFailedExpressions: z.boolean({ error: 'expected true or false' }).optional(),
});

interface Variable {
  key: string;
  value: unknown;
  description?: string | null;
  [k: string]: unknown;
}

export const evaluateVariablesStage: StageType = {
  type: 'evaluateVariables',
  schema,
  taskName: 'evaluateVariables',
  rawContextKeys: ['variables'],
  start() {
    return {};
  },
  run({ execution, stage }) {
    const raw = Array.isArray(stage.context.variables) ? (stage.context.variables as Variable[]) : [];
    const opts = { functions: stageFunctions(execution, stage) };
    const base = expressionContextFor(execution, stage);
    const soFar: Record<string, unknown> = {};
    const failures: Array<{ expression: string; message: string }> = [];
    const errors: string[] = [];
    const evaluated: Variable[] = [];
    const outputs: Record<string, unknown> = {};
    raw.forEach((v, i) => {
      const ctx = { ...base, ...soFar };
      let value = v.value;
      let ok = true;
      if (typeof value === 'string' && value.includes('${')) {
        const r = evaluateTemplateValue(value, ctx, opts);
        if (r.errors.length > 0) {
          ok = false;
          for (const e of r.errors) {
            failures.push(e);
            errors.push(`variables[${i}] (${v.key}): \${${e.expression}}: ${e.message}`);
          }
        } else value = r.value;
      }
      let description = v.description;
      if (ok && typeof description === 'string' && description.includes('${')) {
        const d = evaluateTemplate(description, ctx, opts);
        if (d.errors.length === 0) description = d.value;
      }
      if (ok) soFar[v.key] = value;
      evaluated.push({ ...v, value, ...(description !== undefined ? { description } : {}) });
      outputs[v.key] = value;
    });
    const context: Record<string, unknown> = { variables: evaluated };
    if (failures.length > 0) {
      const summary = { ...((stage.context.expressionEvaluationSummary ?? {}) as Record<string, unknown[]>) };
      for (const [k, list] of Object.entries(expressionSummary(failures))) summary[k] = [...(summary[k] ?? []), ...list];
      context.expressionEvaluationSummary = summary;
      if (stage.context.failOnFailedExpressions === true) {
        const n = errors.length;
        context.exception = {
          details: { error: `Failed to evaluate ${n} variable expression${n === 1 ? '' : 's'}`, errors },
        };
        return { status: 'TERMINAL', context };
      }
    }
    return { status: 'SUCCEEDED', context, outputs };
  },
};
