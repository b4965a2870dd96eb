/**
 * `checkPreconditions`: checks every entry of `preconditions` and fails the stage when one does not hold — as orca's
 * CheckPreconditionsStage, which runs one synthetic "Check precondition (type)" stage per entry (in parallel) with
 * ExpressionPreconditionTask or StageStatusPreconditionTask, then derives the stage's status from them
 * (CompleteStageHandler's `determineStatus`). Here the entries are checked in one task, with the same outcome:
 *
 * - `{type: "expression", context: {expression}}` holds when the expression (bare, or wrapped whole in `${...}`)
 *   evaluates to true (boolean, or the text "true" in any case, as Java's `Boolean.valueOf`). False, any other
 *   value, or an expression that cannot be evaluated does not hold; the error shows the expression as written:
 *   `Expression "${parameters.version != ''}" evaluated to false`. `context.expressionResult` records the value.
 * - `{type: "stageStatus", context: {stageName, stageStatus}}` holds when the first stage named `stageName` has
 *   status `stageStatus`; errors use orca's wording ("The status of stage X was asserted to be Y, but was actually
 *   Z", "Failed to find stage X in execution...").
 *
 * Each failed entry gets the failure status of its synthetic stage in orca, whose context is the stage's context
 * plus the entry: `continuePipeline: true` → FAILED_CONTINUE; `failPipeline` true or absent → TERMINAL;
 * `failPipeline: false` → STOPPED (the entry's field wins over the stage's). The stage then ends: any TERMINAL →
 * the stage's own failure status (TERMINAL unless the stage says `failPipeline: false` / `continuePipeline`);
 * else any STOPPED → STOPPED; else FAILED_CONTINUE; all hold → SUCCEEDED. `context.exception.details.error`
 * holds the failures joined, `details.errors` each one.
 *
 * `preconditions` is left as written at start (`rawContextKeys`) so errors can show each expression as written;
 * the task evaluates the entries itself when it runs.
 */
import { z } from 'zod';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../../model/status.js';
import type { PipelineExecution, StageExecution } from '../../model/execution.js';
import { evaluateObject } from '../../expressions/index.js';
import { evaluateStageExpression, expressionContextFor, stageFunctions } from '../expression-context.js';
import type { StageType } from './types.js';

const bool = z.boolean({ error: 'expected true or false' }).optional();

const expressionPrecondition = z
  .object({
    type: z.literal('expression'),
    failPipeline: bool,
    continuePipeline: bool,
    context: z
      .object(
        {
          expression: z.union([z.string().trim().min(1, 'must not be empty'), z.boolean()], {
            error: (i) => (i.input === undefined ? 'required (the expression that must be true)' : 'expected a string (an expression)'),
          }),
        },
        { error: 'expected an object {expression}' },
      )
      .passthrough(),
  })
  .passthrough();

const STATUS_OR_EXPRESSION = new RegExp(`^(${EXECUTION_STATUSES.join('|')}|\\$\\{[\\s\\S]*\\})$`);

const stageStatusPrecondition = z
  .object({
    type: z.literal('stageStatus'),
    failPipeline: bool,
    continuePipeline: bool,
    context: z
      .object(
        {
          stageName: z.string({ error: (i) => (i.input === undefined ? 'required (the name of the stage to check)' : 'expected a string') }).min(1, 'must not be empty'),
          stageStatus: z
            .string({ error: (i) => (i.input === undefined ? 'required (the status the stage must have)' : 'expected a string') })
            .regex(STATUS_OR_EXPRESSION, `expected one of ${EXECUTION_STATUSES.join(', ')}`),
        },
        { error: 'expected an object {stageName, stageStatus}' },
      )
      .passthrough(),
  })
  .passthrough();

const precondition = z.discriminatedUnion('type', [expressionPrecondition, stageStatusPrecondition], {
  error: (i) => {
    const t = (i.input as { type?: unknown } | null)?.type;
    if (i.input === null || typeof i.input !== 'object') return 'expected an object {type, context}';
    return t === undefined ? 'required ("expression" or "stageStatus")' : `unknown precondition type ${JSON.stringify(t)}; supported: expression, stageStatus`;
  },
});

const schema = z.object({
  preconditions: z
    .array(precondition, { error: (i) => (i.input === undefined ? 'required (a list of preconditions)' : 'expected a list of preconditions') })
    .min(1, 'expected at least one precondition'),
});

interface Precondition {
  type?: unknown;
  failPipeline?: unknown;
  continuePipeline?: unknown;
  context?: Record<string, unknown>;
  [k: string]: unknown;
}

/** The status orca gives a failed precondition's synthetic stage (its context = the stage's context + the entry). */
function failedStatus(p: Precondition, stageContext: Record<string, unknown>): ExecutionStatus {
  const continuePipeline = p.continuePipeline ?? stageContext.continuePipeline;
  const failPipeline = p.failPipeline ?? stageContext.failPipeline;
  if (continuePipeline === true) return 'FAILED_CONTINUE';
  if (failPipeline === undefined || failPipeline === null || failPipeline === true) return 'TERMINAL';
  return 'STOPPED';
}

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
}

/** Checks one precondition: null when it holds, else the error text. Also returns the context to record. */
function check(execution: PipelineExecution, stage: StageExecution, p: Precondition): { error: string | null; context: Record<string, unknown> } {
  const ctx = p.context && typeof p.context === 'object' ? p.context : {};
  if (p.type === 'expression') {
    const written = ctx.expression;
    const shown = typeof written === 'string' ? written : JSON.stringify(written);
    const r = evaluateStageExpression(execution, stage, written ?? 'false');
    if (!r.ok) return { error: `Expression "${shown}" could not be evaluated: ${r.message}`, context: { ...ctx, expressionResult: shown } };
    const result = typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
    if (isTrue(r.value)) return { error: null, context: { ...ctx, expressionResult: result } };
    const got = r.value === false ? 'false' : `${result}, not true`;
    return { error: `Expression "${shown}" evaluated to ${got}`, context: { ...ctx, expressionResult: result } };
  }
  if (p.type === 'stageStatus') {
    const { value } = evaluateObject(ctx, expressionContextFor(execution, stage), { functions: stageFunctions(execution, stage) });
    const c = value as Record<string, unknown>;
    const name = c.stageName;
    const asserted = c.stageStatus;
    if (typeof name !== 'string' || name === '') return { error: 'Stage name is required for preconditions of type stageStatus.', context: c };
    if (typeof asserted !== 'string' || asserted === '') return { error: 'Stage status is required for preconditions of type stageStatus.', context: c };
    const found = execution.stages.find((s) => s.name === name);
    if (!found) return { error: `Failed to find stage ${name} in execution. Please specify a valid stage name`, context: c };
    if (found.status !== asserted) {
      return { error: `The status of stage ${name} was asserted to be ${asserted}, but was actually ${found.status}`, context: c };
    }
    return { error: null, context: c };
  }
  return { error: `unknown precondition type ${JSON.stringify(p.type)}; supported: expression, stageStatus`, context: ctx };
}

export const checkPreconditionsStage: StageType = {
  type: 'checkPreconditions',
  schema,
  taskName: 'checkPrecondition',
  rawContextKeys: ['preconditions'],
  start() {
    return {};
  },
  run({ execution, stage }) {
    const list = Array.isArray(stage.context.preconditions) ? (stage.context.preconditions as Precondition[]) : [];
    const statuses: ExecutionStatus[] = [];
    const errors: string[] = [];
    const checked = list.map((p) => {
      const r = check(execution, stage, p);
      if (r.error !== null) {
        errors.push(r.error);
        statuses.push(failedStatus(p, stage.context));
      }
      return { ...p, context: r.context, status: r.error === null ? 'SUCCEEDED' : failedStatus(p, stage.context) };
    });
    const context: Record<string, unknown> = { preconditions: checked };
    if (errors.length === 0) return { status: 'SUCCEEDED', context };
    context.exception = { details: { error: errors.join('; '), errors } };
    if (statuses.includes('TERMINAL')) return { status: 'TERMINAL', context };
    if (statuses.includes('STOPPED')) return { status: 'STOPPED', context };
    return { status: 'FAILED_CONTINUE', context };
  },
};
