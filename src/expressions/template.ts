/**
 * `${...}` templates: finding the expressions in a text, evaluating them, and deep-evaluating stage payloads.
 * Behaviour follows orca's `ExpressionTransform`: an expression that fails is left in the text as written and the
 * failure is recorded (orca's `expressionEvaluationSummary`); a value that is exactly one `${...}` keeps its type.
 * These functions never throw.
 */
import { ExpressionError } from './errors.js';
import { evaluateExpression, MAX_STRING_LENGTH } from './evaluate.js';
import { dataToJson } from './json.js';
import type { EvaluateOptions, ExpressionContext, TemplateError } from './types.js';

type Segment =
  | { kind: 'text'; text: string }
  | { kind: 'expression'; source: string; raw: string }
  | { kind: 'unclosed'; raw: string };

/**
 * Splits a text into literal parts and `${...}` expressions. The end of an expression is the `}` that balances
 * its `${`, not counting braces inside '...' or "..." literals, so `${#judgment('a}b')}` and `${ {a:1} }` are one
 * expression each. A `${` without its `}` makes the rest of the text an `unclosed` segment. Linear in the length.
 */
function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  while (pos < text.length) {
    const start = text.indexOf('${', pos);
    if (start === -1) break;
    if (start > pos) out.push({ kind: 'text', text: text.slice(pos, start) });
    let depth = 1;
    let j = start + 2;
    let end = -1;
    while (j < text.length) {
      const ch = text[j]!;
      if (ch === "'" || ch === '"') {
        const close = text.indexOf(ch, j + 1);
        if (close === -1) break;
        j = close + 1;
        continue;
      }
      if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        end = j;
        break;
      }
      j++;
    }
    if (end === -1) {
      out.push({ kind: 'unclosed', raw: text.slice(start) });
      return out;
    }
    out.push({ kind: 'expression', source: text.slice(start + 2, end), raw: text.slice(start, end + 1) });
    pos = end + 1;
  }
  if (pos < text.length) out.push({ kind: 'text', text: text.slice(pos) });
  return out;
}

function messageOf(err: unknown): string {
  if (err instanceof ExpressionError) return err.message;
  if (err instanceof RangeError) return 'expression is too complex';
  return `could not evaluate: ${err instanceof Error ? err.message : String(err)}`;
}

type Outcome = { ok: true; value: unknown } | { ok: false; message: string };

/** Evaluates one expression; null counts as a failure ("not found"), as orca leaves such expressions as written. */
function attempt(source: string, ctx: ExpressionContext, opts: EvaluateOptions | undefined): Outcome {
  try {
    const value = evaluateExpression(source, ctx, opts);
    if (value === null || value === undefined) return { ok: false, message: 'evaluated to null' };
    return { ok: true, value };
  } catch (err) {
    return { ok: false, message: messageOf(err) };
  }
}

/** Text of a value put into a template: strings as is, numbers and booleans as written, lists and maps as JSON. */
function asText(value: unknown): Outcome {
  if (typeof value === 'string') return { ok: true, value };
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return { ok: true, value: String(value) };
  if (typeof value === 'object' && value !== null) {
    try {
      return { ok: true, value: dataToJson(value, MAX_STRING_LENGTH) };
    } catch (err) {
      return { ok: false, message: `the value cannot be written as text: ${(err as Error).message}` };
    }
  }
  return { ok: false, message: `evaluated to ${typeof value}, which cannot be written as text` };
}

const UNCLOSED = 'unclosed ${ (no matching })';

/**
 * Replaces every `${...}` in `text` with the text of its value.
 *
 * @param text any text, e.g. `Deploy *${image}* to ${parameters.region}?`.
 * @returns `value`: the text with each evaluated expression replaced (strings as is, numbers/booleans as written,
 *   lists/maps as JSON); each failed expression — or one evaluating to null — stays exactly as written, and an
 *   unclosed `${` leaves the rest of the text as written. `errors`: one entry per failure, in order.
 * Never throws. Orca's rule: unevaluated expressions are left as written and the failure recorded.
 */
export function evaluateTemplate(
  text: string,
  ctx: ExpressionContext,
  opts?: EvaluateOptions,
): { value: string; errors: TemplateError[] } {
  if (typeof text !== 'string') return { value: String(text), errors: [] };
  const errors: TemplateError[] = [];
  let value = '';
  for (const seg of segments(text)) {
    if (seg.kind === 'text') {
      value += seg.text;
    } else if (seg.kind === 'unclosed') {
      value += seg.raw;
      errors.push({ expression: seg.raw.slice(2), message: UNCLOSED });
    } else {
      const result = attempt(seg.source, ctx, opts);
      const written = result.ok ? asText(result.value) : result;
      if (written.ok) value += written.value as string;
      else {
        value += seg.raw;
        errors.push({ expression: seg.source, message: written.message });
      }
    }
  }
  return { value, errors };
}

/**
 * Like `evaluateTemplate`, except when `text` is exactly one `${...}` (nothing around it): then the value keeps
 * its type — number, boolean, list, map or string — as orca does for whole-value expressions
 * (`"${#toInt(parameters.replicas)}"` → 3). A failure (or null) leaves `text` unchanged and is listed in `errors`.
 * Never throws.
 */
export function evaluateTemplateValue(
  text: string,
  ctx: ExpressionContext,
  opts?: EvaluateOptions,
): { value: unknown; errors: TemplateError[] } {
  if (typeof text !== 'string') return { value: text, errors: [] };
  const segs = segments(text);
  const only = segs.length === 1 ? segs[0] : undefined;
  if (only !== undefined && only.kind === 'expression') {
    const result = attempt(only.source, ctx, opts);
    if (result.ok) return { value: result.value, errors: [] };
    return { value: text, errors: [{ expression: only.source, message: result.message }] };
  }
  return evaluateTemplate(text, ctx, opts);
}

const MAX_OBJECT_DEPTH = 100;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Deep-evaluates a stage payload: every string containing `${` is evaluated with `evaluateTemplateValue` (so a
 * whole-value expression keeps its type), inside plain objects and arrays at any depth; keys containing `${` are
 * evaluated as text too (as orca does). Other values (numbers, booleans, null, class instances) are kept as is.
 *
 * @returns `value`: a new structure (the input is not changed); `errors`: every failure, each with `path`
 *   (`payload.rollout`, `variables[0].value`; '' for the root). Circular references and nesting deeper than 100
 *   are left as they are and reported. Never throws.
 */
export function evaluateObject(
  value: unknown,
  ctx: ExpressionContext,
  opts?: EvaluateOptions,
): { value: unknown; errors: TemplateError[] } {
  const errors: TemplateError[] = [];
  const ancestors = new Set<object>();

  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('${')) return v;
      const r = evaluateTemplateValue(v, ctx, opts);
      for (const e of r.errors) errors.push({ ...e, path });
      return r.value;
    }
    if (!Array.isArray(v) && !isPlainObject(v)) return v;
    if (ancestors.has(v)) {
      errors.push({ expression: '', message: 'circular reference left as is', path });
      return v;
    }
    if (depth > MAX_OBJECT_DEPTH) {
      errors.push({ expression: '', message: `nested deeper than ${MAX_OBJECT_DEPTH} levels; left as is`, path });
      return v;
    }
    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map((item, i) => walk(item, childPath(path, i), depth + 1));
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        let outKey = key;
        if (key.includes('${')) {
          const k = evaluateTemplate(key, ctx, opts);
          for (const e of k.errors) errors.push({ ...e, path: childPath(path, key) });
          outKey = k.value;
        }
        const d = Object.getOwnPropertyDescriptor(v, key);
        const item = d !== undefined && 'value' in d ? d.value : undefined;
        Object.defineProperty(out, outKey, {
          value: walk(item, childPath(path, key), depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  };

  return { value: walk(value, '', 0), errors };
}
