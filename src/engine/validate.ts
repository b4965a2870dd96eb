/**
 * Validation of a pipeline config as Deck saves it. Every problem is listed (not just the first), each with the
 * JSON path it concerns, e.g. `stages[2].requisiteStageRefIds[0]: no stage has refId "9"`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { PipelineConfig } from '../model/pipeline.js';
import { findCycles } from '../model/dag.js';
import { STAGE_TYPES } from './stages/index.js';
import { BadRequestError } from './errors.js';
import { validateTriggers } from '../triggers/validate.js';

export interface Issue {
  path: string;
  message: string;
}

const NAME = /^[^/\\\u0000-\u001f]+$/;

/** Most stages a pipeline may have; far above real pipelines, low enough to keep every execution step cheap. */
export const MAX_STAGES = 250;

const parameter = z
  .object({
    name: z.string({ error: 'expected a string' }).min(1, 'must not be empty'),
    label: z.string().optional().nullable(),
    description: z.string().optional().nullable(),
    required: z.boolean().optional(),
    default: z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string' }).optional().nullable(),
    hasOptions: z.boolean({ error: 'expected true or false' }).optional(),
    options: z
      .array(z.object({ value: z.union([z.string(), z.number()], { error: 'expected a string' }) }, { error: 'expected {value}' }).passthrough(), {
        error: 'expected an array of {value}',
      })
      .optional(),
  })
  .passthrough();

/** A whole number in [0, max], with a message naming the field's range. */
const clock = (what: string, max: number) =>
  z
    .number({ error: (i) => (i.input === undefined ? `required (${what}, 0-${max})` : `expected a whole number 0-${max} (${what})`) })
    .int(`expected a whole number 0-${max} (${what})`)
    .min(0, `expected a whole number 0-${max} (${what})`)
    .max(max, `expected a whole number 0-${max} (${what})`);

/**
 * `restrictedExecutionWindow` (see `time-window.ts`): hours 0-23 and minutes 0-59 in UTC; a start after the end
 * crosses midnight; days 1 (Sunday) to 7 (Saturday) as orca numbers them; `jitter` as orca's (accepted, not applied).
 */
const executionWindow = z
  .object(
    {
      whitelist: z
        .array(
          z
            .object(
              {
                startHour: clock('hour', 23),
                startMin: clock('minute', 59).optional(),
                endHour: clock('hour', 23),
                endMin: clock('minute', 59).optional(),
              },
              { error: 'expected a window {startHour, startMin, endHour, endMin}' },
            )
            .passthrough(),
          { error: 'expected an array of windows {startHour, startMin, endHour, endMin}' },
        )
        .optional(),
      days: z
        .array(
          z
            .number({ error: 'expected a day number 1-7 (1 = Sunday … 7 = Saturday)' })
            .int('expected a day number 1-7 (1 = Sunday … 7 = Saturday)')
            .min(1, 'expected a day number 1-7 (1 = Sunday … 7 = Saturday)')
            .max(7, 'expected a day number 1-7 (1 = Sunday … 7 = Saturday)'),
          { error: 'expected an array of day numbers 1-7 (1 = Sunday … 7 = Saturday)' },
        )
        .optional(),
      jitter: z
        .object(
          {
            enabled: z.boolean({ error: 'expected true or false' }).optional(),
            skipManual: z.boolean({ error: 'expected true or false' }).optional(),
            minDelay: z.number({ error: 'expected a number of seconds' }).min(0, 'must not be negative').optional(),
            maxDelay: z.number({ error: 'expected a number of seconds' }).min(0, 'must not be negative').optional(),
          },
          { error: 'expected an object {enabled, skipManual, minDelay, maxDelay}' },
        )
        .passthrough()
        .optional(),
    },
    { error: 'expected an object {whitelist: [{startHour, startMin, endHour, endMin}], days: [1-7]}' },
  )
  .passthrough();

const common = z
  .object({
    refId: z
      .union([z.string(), z.number().int('expected a whole number or a string')], { error: 'expected a string' })
      .transform(String)
      .pipe(z.string().min(1, 'must not be empty').max(100, 'expected at most 100 characters')),
    requisiteStageRefIds: z
      .array(z.union([z.string(), z.number()], { error: 'expected a refId (a string)' }).transform(String), { error: 'expected an array of refIds' })
      .optional(),
    type: z.string({ error: 'expected a string' }),
    name: z.string({ error: 'expected a string' }).min(1, 'must not be empty').max(200, 'expected at most 200 characters'),
    failPipeline: z.boolean({ error: 'expected true or false' }).optional(),
    /** Orca's OptionalStageSupport: `{type: "expression", expression}`; false at start → the stage is SKIPPED. */
    stageEnabled: z
      .object(
        {
          type: z.literal('expression', { error: 'expected "expression" (the only stageEnabled type)' }),
          expression: z.union([z.string().trim().min(1, 'must not be empty'), z.boolean()], {
            error: (i) => (i.input === undefined ? 'required (an expression that is true when the stage should run)' : 'expected a string (an expression)'),
          }),
        },
        { error: 'expected an object {type: "expression", expression}' },
      )
      .passthrough()
      .optional(),
    /** Orca's StartStage/ExpressionAware: any `${...}` of the context that fails to evaluate at start fails the stage. */
    failOnFailedExpressions: z.boolean({ error: 'expected true or false' }).optional(),
    /** Orca's RestrictExecutionDuringTimeWindow: the stage waits SUSPENDED until `restrictedExecutionWindow` opens. */
    restrictExecutionDuringTimeWindow: z.boolean({ error: 'expected true or false' }).optional(),
    /** Checked only when `restrictExecutionDuringTimeWindow` is true (Deck keeps it when the box is unticked). */
    restrictedExecutionWindow: z.unknown().optional(),
  })
  .passthrough()
  .superRefine((stage, ctx) => {
    if (stage.restrictExecutionDuringTimeWindow !== true) return;
    // No window object: no restriction (orca reads a missing whitelist as the whole day).
    if (stage.restrictedExecutionWindow === undefined || stage.restrictedExecutionWindow === null) return;
    const r = executionWindow.safeParse(stage.restrictedExecutionWindow);
    if (!r.success) {
      for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['restrictedExecutionWindow', ...i.path], message: i.message });
    }
  });

/**
 * Application names, the one rule for `POST /pipelines` and `PUT /applications/{app}` (Spinnaker's: Front50 and Deck
 * take letters, digits, `.`, `_`, `-`; names are case-insensitive and kept lower-cased): starting with a letter or
 * digit, at most 100 characters. No spaces (`checkout ` is not `checkout`), no accents.
 */
export const APPLICATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const pipeline = z
  .object({
    id: z.string().min(1).optional(),
    application: z
      .string({ error: 'expected a string' })
      .min(1, 'must not be empty')
      .max(100, 'expected at most 100 characters')
      .regex(APPLICATION_NAME, 'letters, digits, . _ - only, starting with a letter or digit (no spaces or accents); stored in lower case'),
    name: z
      .string({ error: 'expected a string' })
      .min(1, 'must not be empty')
      .max(200, 'expected at most 200 characters')
      .regex(NAME, 'must not contain /, \\ or control characters'),
    stages: z.array(z.unknown(), { error: 'expected an array of stages' }).max(MAX_STAGES, `expected at most ${MAX_STAGES} stages`),
    parameterConfig: z.array(parameter, { error: 'expected an array' }).optional(),
    triggers: z.array(z.unknown()).optional(),
    notifications: z.array(z.unknown()).optional(),
  })
  .passthrough();

function zodIssues(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((i) => {
    const path = [prefix, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\./, '');
    const msg = i.message.replace(/^[A-Za-z]+: /, '');
    return { path: path.replace(/\.\[/g, '['), message: msg };
  });
}

/** `when` values Deck writes on stage notifications (echo's events; manualJudgment* on judgment stages). */
const STAGE_EVENTS = ['stage.starting', 'stage.complete', 'stage.failed', 'manualJudgment', 'manualJudgmentContinue', 'manualJudgmentStop'];
/** `when` values of pipeline-level notifications. */
const PIPELINE_EVENTS = ['pipeline.starting', 'pipeline.complete', 'pipeline.failed'];

/** Field names a stage type's schema declares, plus the fields every stage has. */
function knownFields(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  return [...Object.keys(shape), ...Object.keys(common.shape), 'stageEnabled', 'continuePipeline', 'completeOtherBranchesThenFail', 'stageTimeoutMs', 'restrictExecutionDuringTimeWindow', 'restrictedExecutionWindow', 'failOnFailedExpressions', 'sendNotifications', 'notifications', 'comments'];
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Unknown fields are kept (Deck stores many of its own), but one that is a near miss of a field with meaning —
 * `requiredApproval`, `preventSelfApprovals` — would silently drop a rule, so it is refused with a did-you-mean.
 */
function likelyTypos(stage: Record<string, unknown>, known: string[], at: string): Issue[] {
  const out: Issue[] = [];
  for (const key of Object.keys(stage)) {
    if (known.includes(key) || key.length < 6) continue;
    const near = known.find((k) => k.length >= 6 && editDistance(key.toLowerCase(), k.toLowerCase()) <= 2);
    if (near) out.push({ path: `${at}.${key}`, message: `unknown field; did you mean "${near}"?` });
  }
  return out;
}

/**
 * Notification `when` values that no event has (a misspelling would never fire), and an empty `when` list (the
 * preference would never fire at all; Deck's notification dialog requires at least one "Notify when" box).
 */
function unknownWhen(notifications: unknown, allowed: string[], at: string): Issue[] {
  if (!Array.isArray(notifications)) return [];
  const out: Issue[] = [];
  notifications.forEach((n, i) => {
    const when = n && typeof n === 'object' ? (n as { when?: unknown }).when : undefined;
    if (!Array.isArray(when)) return;
    if (when.length === 0) {
      out.push({ path: `${at}[${i}].when`, message: `empty: this notification would never be sent; list at least one of ${allowed.join(', ')}` });
      return;
    }
    when.forEach((w, j) => {
      if (typeof w === 'string' && !allowed.includes(w)) {
        out.push({ path: `${at}[${i}].when[${j}]`, message: `unknown event "${w}"; expected one of ${allowed.join(', ')}` });
      }
    });
  });
  return out;
}

/**
 * Checks a pipeline config and returns it normalised (refIds as strings, `requisiteStageRefIds` present, `id`
 * assigned when absent). Unknown fields are kept.
 * @throws BadRequestError listing every issue: bad field types, unknown stage types (naming the supported ones),
 *   duplicate refIds, references to missing refIds, cycles, duplicate parameter names.
 */
export function validatePipelineConfig(raw: unknown): PipelineConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new BadRequestError('pipeline: expected a JSON object', [{ path: '', message: 'expected a JSON object' }]);
  }
  const issues: Issue[] = [];
  const top = pipeline.safeParse(raw);
  if (!top.success) issues.push(...zodIssues(top.error, ''));
  const body = raw as Record<string, unknown>;
  const stagesRaw = Array.isArray(body.stages) ? body.stages : [];
  const stages: Array<Record<string, unknown> & { refId: string; requisiteStageRefIds: string[] }> = [];
  stagesRaw.forEach((s, i) => {
    const at = `stages[${i}]`;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) {
      issues.push({ path: at, message: 'expected a stage object' });
      return;
    }
    const c = common.safeParse(s);
    if (!c.success) {
      issues.push(...zodIssues(c.error, at));
      return;
    }
    const type = STAGE_TYPES.get(c.data.type);
    if (!type) {
      issues.push({
        path: `${at}.type`,
        message: `unknown stage type "${c.data.type}"; supported: ${[...STAGE_TYPES.keys()].join(', ')}`,
      });
    } else {
      const t = type.schema.safeParse(s);
      if (!t.success) issues.push(...zodIssues(t.error, at));
      issues.push(...likelyTypos(s as Record<string, unknown>, knownFields(type.schema), at));
      issues.push(...unknownWhen((s as Record<string, unknown>).notifications, STAGE_EVENTS, `${at}.notifications`));
    }
    stages.push({ ...(s as Record<string, unknown>), ...c.data, requisiteStageRefIds: c.data.requisiteStageRefIds ?? [] });
  });
  issues.push(...unknownWhen(body.notifications, PIPELINE_EVENTS, 'notifications'));
  const seen = new Map<string, number>();
  stages.forEach((s, i) => {
    if (seen.has(s.refId)) issues.push({ path: `stages[${i}].refId`, message: `duplicate refId "${s.refId}" (also stages[${seen.get(s.refId)}])` });
    else seen.set(s.refId, i);
  });
  stages.forEach((s, i) => {
    s.requisiteStageRefIds.forEach((up, j) => {
      if (!seen.has(up)) issues.push({ path: `stages[${i}].requisiteStageRefIds[${j}]`, message: `no stage has refId "${up}"` });
      else if (up === s.refId) issues.push({ path: `stages[${i}].requisiteStageRefIds[${j}]`, message: 'a stage cannot depend on itself' });
    });
  });
  for (const cycle of findCycles(stages)) {
    if (cycle.length <= 2) continue; // self-dependency, reported above
    const first = seen.get(cycle[0]!) ?? 0;
    issues.push({ path: `stages[${first}].requisiteStageRefIds`, message: `cycle in requisiteStageRefIds: ${cycle.join(' → ')}` });
  }
  const params = Array.isArray(body.parameterConfig) ? (body.parameterConfig as Array<{ name?: unknown }>) : [];
  const pnames = new Set<string>();
  params.forEach((p, i) => {
    if (typeof p?.name === 'string') {
      if (pnames.has(p.name)) issues.push({ path: `parameterConfig[${i}].name`, message: `duplicate parameter "${p.name}"` });
      pnames.add(p.name);
    }
  });
  issues.push(...validateTriggers(body));
  if (issues.length > 0 || !top.success) {
    throw new BadRequestError(
      `invalid pipeline config: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return {
    ...(body as Record<string, unknown>),
    id: typeof body.id === 'string' && body.id.length > 0 ? body.id : randomUUID(),
    // Spinnaker's application names are case-insensitive and shown in lower case (Deck lowercases what is typed):
    // `CheckOut` is the application `checkout`, never a second one beside it.
    application: top.data.application.toLowerCase(),
    name: top.data.name,
    stages: stages as unknown as PipelineConfig['stages'],
  } as PipelineConfig;
}
