/**
 * Built-in `#helper(...)` functions, with the meaning orca gives them (`ExpressionsSupport`'s registered helper
 * functions). Each throws a plain Error with a message in words; the evaluator reports it as a `FUNCTION` error.
 * `#judgment`/`#judgement` need the execution and are given by the caller through `EvaluateOptions.functions`.
 */
import { dataToJson } from './json.js';
import type { ExpressionFunction } from './types.js';

/** Longest `#toJson` result, in UTF-16 code units (the evaluator's string limit). */
const MAX_JSON_LENGTH = 1_000_000;

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : String(value);
}

/** `#toInt(text)`: Java's `Integer.valueOf`: optional sign and digits only, within 32-bit range. */
function toInt(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX) return value;
  if (typeof value === 'string' && /^[+-]?\d{1,10}$/.test(value)) {
    const n = Number(value);
    if (n >= INT_MIN && n <= INT_MAX) return n;
  }
  throw new Error(`${quote(value)} is not an integer`);
}

/** `#toFloat(text)`: Java's `Float.valueOf` for decimal text (surrounding blanks allowed, NaN/Infinity refused). */
function toFloat(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(value.trim())) {
    const n = Number(value.trim().replace(/[fFdD]$/, ''));
    if (Number.isFinite(n)) return n;
  }
  throw new Error(`${quote(value)} is not a number`);
}

/** `#toBoolean(text)`: Java's `Boolean.valueOf`: true only for "true" in any case; null is false. */
function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  throw new Error(`expected text, got ${quote(value)}`);
}

/** `#alphanumerical(text)`: removes every character that is not A-Z, a-z or 0-9. */
function alphanumerical(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected text, got ${quote(value)}`);
  return value.replace(/[^A-Za-z0-9]/g, '');
}

/** `#toJson(value)`: JSON text of the value; refused when the text would contain `${` (orca's rule). */
function toJson(value: unknown): string {
  let text: string;
  try {
    text = dataToJson(value, MAX_JSON_LENGTH);
  } catch (err) {
    throw new Error(`cannot convert to JSON (${(err as Error).message})`);
  }
  if (text.includes('${')) throw new Error('result for toJson cannot contain an expression');
  return text;
}

function oneArgument(fn: (value: unknown) => unknown): ExpressionFunction {
  return (...args: unknown[]) => {
    if (args.length !== 1) throw new Error(`takes 1 argument, got ${args.length}`);
    return fn(args[0]);
  };
}

/** The built-in helpers by name (without `#`); each takes exactly one argument. */
export const BUILTIN_FUNCTIONS: Readonly<Record<string, ExpressionFunction>> = Object.freeze({
  toInt: oneArgument(toInt),
  toFloat: oneArgument(toFloat),
  toBoolean: oneArgument(toBoolean),
  alphanumerical: oneArgument(alphanumerical),
  toJson: oneArgument(toJson),
});
