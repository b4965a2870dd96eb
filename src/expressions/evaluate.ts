/**
 * Evaluation of one expression (the inside of `${...}`): SpEL-flavoured source → jsep AST → a whitelist check of
 * the whole tree → a walk over the tree that reads only own enumerable data properties of the context.
 * Never compiles code from text, never calls anything but the whitelisted string/list/map methods and the helper
 * functions, never reads the prototype chain.
 */
import jsep from 'jsep';
import { ExpressionError, type ExpressionErrorCode } from './errors.js';
import { BUILTIN_FUNCTIONS } from './functions.js';
import { dataToJson, type JsonTextError } from './json.js';
import { FUNCTION_MARK, rewriteForJsep } from './rewrite.js';
import type { EvaluateOptions, ExpressionContext, ExpressionFunction } from './types.js';

type Node = jsep.Expression;

/** Deepest AST evaluated. */
const MAX_DEPTH = 100;
/** Longest string an operation may produce, in UTF-16 code units. */
export const MAX_STRING_LENGTH = 1_000_000;

/** Names never readable, whatever the object: the ways into prototypes and constructors. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

const BINARY_OPERATORS = new Set(['==', '!=', '<', '>', '<=', '>=', '+', '-', '*', '/', '%', '&&', '||', '??']);
const UNARY_OPERATORS = new Set(['!', '-']);

const STRING_METHODS = [
  'length',
  'toUpperCase',
  'toLowerCase',
  'trim',
  'startsWith',
  'endsWith',
  'contains',
  'includes',
  'equals',
  'equalsIgnoreCase',
  'substring',
  'replace',
  'split',
  'isEmpty',
] as const;
const LIST_METHODS = ['size', 'isEmpty', 'contains'] as const;
const MAP_METHODS = ['containsKey', 'size', 'isEmpty'] as const;
const ALL_METHODS = new Set<string>([...STRING_METHODS, ...LIST_METHODS, ...MAP_METHODS]);


function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The type of a value in SpEL's words, for messages. */
function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'a map';
    case 'function':
      return 'a function';
    default:
      return `a ${typeof value}`;
  }
}

/** An own, enumerable data property, or `found: false`. Never reads the prototype chain or runs getters. */
function ownData(obj: object, key: string): { found: true; value: unknown } | { found: false; accessor?: boolean } {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  if (d === undefined || !d.enumerable) return { found: false };
  if (!('value' in d)) return { found: false, accessor: true };
  return { found: true, value: d.value };
}

function ownKeys(obj: object, max = 12): string {
  const keys = Object.keys(obj).filter((k) => !FORBIDDEN_NAMES.has(k));
  if (keys.length === 0) return '';
  return keys.length > max ? `${keys.slice(0, max).join(', ')}, ...` : keys.join(', ');
}

/** Structural equality for data (SpEL's `==` compares values, lists and maps by content). */
function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (depth > 50 || typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      const va = ownData(a, String(i));
      const vb = ownData(b, String(i));
      if (!deepEqual(va.found ? va.value : null, vb.found ? vb.value : null, depth + 1)) return false;
    }
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => {
    const vb = ownData(b, k);
    const va = ownData(a, k);
    return vb.found && va.found && deepEqual(va.value, vb.value, depth + 1);
  });
}


class Evaluator {
  private readonly functions: Map<string, ExpressionFunction>;

  constructor(
    private readonly source: string,
    private readonly ctx: ExpressionContext,
    opts: EvaluateOptions,
  ) {
    this.functions = new Map(Object.entries(BUILTIN_FUNCTIONS));
    const given = opts.functions;
    if (isMap(given)) {
      for (const name of Object.keys(given)) {
        const d = ownData(given, name);
        if (d.found && typeof d.value === 'function') this.functions.set(name, d.value as ExpressionFunction);
      }
    }
  }

  fail(code: ExpressionErrorCode, message: string): never {
    throw new ExpressionError(this.source, code, message);
  }

  /** Source-like text of a node, for messages (`parameters.region`, `#judgment(...)`). */
  describe(node: Node): string {
    switch (node.type) {
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        return name.startsWith(FUNCTION_MARK) ? `#${name.slice(1)}` : name;
      }
      case 'MemberExpression': {
        const m = node as jsep.MemberExpression;
        const dot = m.optional === true ? '?.' : '.';
        if (!m.computed && m.property.type === 'Identifier') return `${this.describe(m.object)}${dot}${(m.property as jsep.Identifier).name}`;
        if (m.property.type === 'Literal') return `${this.describe(m.object)}[${JSON.stringify((m.property as jsep.Literal).value)}]`;
        return `${this.describe(m.object)}[...]`;
      }
      case 'CallExpression':
        return `${this.describe((node as jsep.CallExpression).callee)}(...)`;
      case 'Literal':
        return JSON.stringify((node as jsep.Literal).value);
      default:
        return '(expression)';
    }
  }

  // ---- the whitelist, checked over the whole tree before anything is evaluated ----

  check(node: Node, depth = 0): void {
    if (depth > MAX_DEPTH) this.fail('LIMIT', `expression is nested too deeply (over ${MAX_DEPTH} levels)`);
    switch (node.type) {
      case 'Literal': {
        const v = (node as jsep.Literal).value;
        if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          this.fail('UNSUPPORTED', 'unsupported literal');
        }
        return;
      }
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        if (name.startsWith(FUNCTION_MARK)) {
          this.fail('UNSUPPORTED', `#${name.slice(1)} is a function; call it, as in #${name.slice(1)}(...)`);
        }
        this.checkName(name);
        return;
      }
      case 'MemberExpression': {
        const m = node as jsep.MemberExpression;
        this.check(m.object, depth + 1);
        if (!m.computed) {
          if (m.property.type !== 'Identifier') this.fail('SYNTAX', 'expected a property name after "."');
          this.checkName((m.property as jsep.Identifier).name);
        } else {
          if (m.property.type === 'Literal' && typeof (m.property as jsep.Literal).value === 'string') {
            this.checkName((m.property as jsep.Literal).value as string);
          }
          this.check(m.property, depth + 1);
        }
        return;
      }
      case 'CallExpression': {
        const call = node as jsep.CallExpression;
        const callee = call.callee;
        if (callee.type === 'Identifier') {
          const name = (callee as jsep.Identifier).name;
          if (!name.startsWith(FUNCTION_MARK)) {
            this.checkName(name);
            this.fail(
              'UNSUPPORTED',
              `calling '${name}(...)' is not allowed: only helper functions written #name(...) and string methods can be called`,
            );
          }
          this.checkName(name.slice(1));
        } else if (callee.type === 'MemberExpression') {
          const m = callee as jsep.MemberExpression;
          this.check(m.object, depth + 1);
          if (m.computed || m.property.type !== 'Identifier') {
            this.fail('UNSUPPORTED', 'methods must be called by name, as in name.toUpperCase()');
          }
          const method = (m.property as jsep.Identifier).name;
          this.checkName(method);
          if (!ALL_METHODS.has(method)) this.fail('UNSUPPORTED', `calling the method '${method}' is not allowed`);
        } else {
          this.check(callee, depth + 1); // names a forbidden property, if it does, before the generic refusal
          this.fail('UNSUPPORTED', 'only helper functions (#name(...)) and whitelisted methods can be called');
        }
        for (const arg of call.arguments) this.check(arg, depth + 1);
        return;
      }
      case 'UnaryExpression': {
        const u = node as jsep.UnaryExpression;
        if (!UNARY_OPERATORS.has(u.operator)) this.fail('UNSUPPORTED', `the operator '${u.operator}' is not supported`);
        this.check(u.argument, depth + 1);
        return;
      }
      case 'BinaryExpression': {
        const b = node as jsep.BinaryExpression;
        if (!BINARY_OPERATORS.has(b.operator)) {
          const hint = b.operator === '===' || b.operator === '!==' ? ` (use ${b.operator.slice(0, 2)})` : '';
          this.fail('UNSUPPORTED', `the operator '${b.operator}' is not supported${hint}`);
        }
        this.check(b.left, depth + 1);
        this.check(b.right, depth + 1);
        return;
      }
      case 'ConditionalExpression': {
        const c = node as jsep.ConditionalExpression;
        this.check(c.test, depth + 1);
        this.check(c.consequent, depth + 1);
        this.check(c.alternate, depth + 1);
        return;
      }
      case 'ThisExpression':
        return this.fail('UNSUPPORTED', "'this' is not supported");
      case 'Compound':
        return this.fail('SYNTAX', 'more than one expression (is an operator or a quote missing?)');
      case 'SequenceExpression':
        return this.fail('UNSUPPORTED', 'comma-separated expressions are not supported');
      case 'ArrayExpression':
        return this.fail('UNSUPPORTED', 'list literals [...] are not supported');
      default:
        return this.fail('UNSUPPORTED', `unsupported syntax (${node.type})`);
    }
  }

  checkName(name: string): void {
    if (FORBIDDEN_NAMES.has(name)) this.fail('UNSUPPORTED', `access to '${name}' is not allowed`);
  }

  // ---- evaluation ----

  evaluate(node: Node, depth = 0): unknown {
    if (depth > MAX_DEPTH) this.fail('LIMIT', `expression is nested too deeply (over ${MAX_DEPTH} levels)`);
    switch (node.type) {
      case 'Literal':
        return (node as jsep.Literal).value;
      case 'Identifier':
        return this.identifier((node as jsep.Identifier).name);
      case 'MemberExpression':
        return this.member(node as jsep.MemberExpression, depth);
      case 'CallExpression':
        return this.call(node as jsep.CallExpression, depth);
      case 'UnaryExpression':
        return this.unary(node as jsep.UnaryExpression, depth);
      case 'BinaryExpression':
        return this.binary(node as jsep.BinaryExpression, depth);
      case 'ConditionalExpression': {
        const c = node as jsep.ConditionalExpression;
        const test = this.evaluate(c.test, depth + 1);
        if (typeof test !== 'boolean') {
          this.fail('TYPE', `the condition before '?' must be true or false, got ${typeName(test)}`);
        }
        return this.evaluate(test ? c.consequent : c.alternate, depth + 1);
      }
      default:
        return this.fail('UNSUPPORTED', `unsupported syntax (${node.type})`);
    }
  }

  identifier(name: string): unknown {
    this.checkName(name);
    const ctx: unknown = this.ctx;
    if (isMap(ctx)) {
      const d = ownData(ctx, name);
      if (d.found) return d.value ?? null;
    }
    const known = isMap(ctx) ? ownKeys(ctx) : '';
    this.fail('NOT_FOUND', `unknown name '${name}'${known !== '' ? ` (known names: ${known})` : ''}`);
  }

  /** The parameters maps of the context (`parameters`, `trigger.parameters`), for "no such parameter" messages. */
  isParameters(obj: unknown): boolean {
    const ctx: unknown = this.ctx;
    if (!isMap(ctx)) return false;
    const p = ownData(ctx, 'parameters');
    if (p.found && p.value === obj) return true;
    const t = ownData(ctx, 'trigger');
    if (t.found && isMap(t.value)) {
      const tp = ownData(t.value, 'parameters');
      if (tp.found && tp.value === obj) return true;
    }
    return false;
  }

  member(m: jsep.MemberExpression, depth: number): unknown {
    const obj = this.evaluate(m.object, depth + 1);
    let key: unknown;
    if (m.computed) key = this.evaluate(m.property, depth + 1);
    else key = (m.property as jsep.Identifier).name;
    if (obj === null || obj === undefined) {
      if (m.optional === true) return null;
      this.fail('TYPE', `cannot read ${JSON.stringify(key)} of null (${this.describe(m.object)} is null)`);
    }
    return this.read(obj, key, m);
  }

  read(obj: unknown, key: unknown, m: jsep.MemberExpression): unknown {
    const where = this.describe(m.object);
    if (typeof key !== 'string' && !(typeof key === 'number' && Number.isInteger(key))) {
      this.fail('TYPE', `a property name or index must be text or a whole number, got ${typeName(key)}`);
    }
    if (typeof key === 'string') this.checkName(key);

    if (typeof obj === 'string' || Array.isArray(obj)) {
      if (key === 'length') return obj.length;
      const index = typeof key === 'number' ? key : /^\d+$/.test(key) ? Number(key) : undefined;
      if (index === undefined) {
        const hint = typeof obj === 'string' && ALL_METHODS.has(key as string) ? `; call it: ${where}.${key}()` : '';
        this.fail('NOT_FOUND', `${typeName(obj)} has no property '${key}'${hint}`);
      }
      if (index < 0 || index >= obj.length) {
        this.fail('NOT_FOUND', `index ${index} is out of range: ${where} has ${obj.length} ${typeof obj === 'string' ? 'characters' : 'elements'}`);
      }
      if (typeof obj === 'string') return obj[index];
      const d = ownData(obj, String(index));
      return d.found ? (d.value ?? null) : null;
    }

    if (isMap(obj)) {
      const name = String(key);
      const d = ownData(obj, name);
      if (d.found) return d.value ?? null;
      if (d.accessor === true) this.fail('UNSUPPORTED', `'${name}' of ${where} is not a plain value and cannot be read`);
      if (this.isParameters(obj)) {
        const given = ownKeys(obj);
        this.fail('NOT_FOUND', `no such parameter '${name}' (${given !== '' ? `parameters given: ${given}` : 'no parameters were given'})`);
      }
      const keys = ownKeys(obj);
      this.fail('NOT_FOUND', `no such property '${name}' in ${where}${keys !== '' ? ` (it has: ${keys})` : ' (it is empty)'}`);
    }

    return this.fail('TYPE', `${typeName(obj)} has no properties (reading '${String(key)}' of ${where})`);
  }

  call(call: jsep.CallExpression, depth: number): unknown {
    const callee = call.callee;
    if (callee.type === 'Identifier') {
      const name = (callee as jsep.Identifier).name.slice(FUNCTION_MARK.length);
      const fn = this.functions.get(name);
      if (fn === undefined) {
        this.fail('NOT_FOUND', `unknown function #${name} (available: ${[...this.functions.keys()].map((n) => `#${n}`).join(', ')})`);
      }
      const args = call.arguments.map((a) => this.evaluate(a, depth + 1));
      try {
        return fn(...args);
      } catch (err) {
        if (err instanceof ExpressionError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        return this.fail('FUNCTION', `#${name}(...) failed: ${message}`);
      }
    }
    const m = callee as jsep.MemberExpression;
    const method = (m.property as jsep.Identifier).name;
    const receiver = this.evaluate(m.object, depth + 1);
    if ((receiver === null || receiver === undefined) && m.optional === true) return null;
    const args = call.arguments.map((a) => this.evaluate(a, depth + 1));
    return this.method(receiver, method, args, this.describe(m.object));
  }

  method(receiver: unknown, method: string, args: unknown[], where: string): unknown {
    const arity = (n: number): void => {
      if (args.length !== n) this.fail('TYPE', `${method}() takes ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
    };
    const text = (i: number): string => {
      const v = args[i];
      if (typeof v !== 'string') this.fail('TYPE', `${method}() expects text as argument ${i + 1}, got ${typeName(v)}`);
      return v as string;
    };
    const whole = (i: number): number => {
      const v = args[i];
      if (typeof v !== 'number' || !Number.isInteger(v)) this.fail('TYPE', `${method}() expects a whole number as argument ${i + 1}, got ${typeName(v)}`);
      return v as number;
    };

    if (typeof receiver === 'string') {
      const s = receiver;
      switch (method) {
        case 'length':
          arity(0);
          return s.length;
        case 'toUpperCase':
          arity(0);
          return s.toUpperCase();
        case 'toLowerCase':
          arity(0);
          return s.toLowerCase();
        case 'trim':
          arity(0);
          return s.trim();
        case 'isEmpty':
          arity(0);
          return s.length === 0;
        case 'startsWith':
          arity(1);
          return s.startsWith(text(0));
        case 'endsWith':
          arity(1);
          return s.endsWith(text(0));
        case 'contains':
        case 'includes':
          arity(1);
          return s.includes(text(0));
        case 'equals':
          arity(1);
          return deepEqual(s, args[0]);
        case 'equalsIgnoreCase':
          arity(1);
          return typeof args[0] === 'string' && s.toLowerCase() === args[0].toLowerCase();
        case 'substring': {
          if (args.length !== 1 && args.length !== 2) this.fail('TYPE', `substring() takes 1 or 2 arguments, got ${args.length}`);
          const begin = whole(0);
          const end = args.length === 2 ? whole(1) : s.length;
          if (begin < 0 || end > s.length || begin > end) {
            this.fail('NOT_FOUND', `substring(${begin}, ${end}) is out of range for ${where} (${s.length} characters)`);
          }
          return s.substring(begin, end);
        }
        case 'replace': {
          arity(2);
          const target = text(0);
          const replacement = text(1);
          const count = target === '' ? s.length + 1 : s.split(target).length - 1;
          if (s.length + count * (replacement.length - target.length) > MAX_STRING_LENGTH) {
            this.fail('LIMIT', `replace() would produce more than ${MAX_STRING_LENGTH} characters`);
          }
          // Java's String.replace: an empty target matches before every character and at the end.
          if (target === '') return s === '' ? replacement : replacement + s.split('').join(replacement) + replacement;
          return s.split(target).join(replacement);
        }
        case 'split': {
          arity(1);
          const separator = text(0);
          if (separator !== '' && !s.includes(separator)) return [s];
          const parts = s.split(separator);
          while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
          return parts;
        }
        default:
          return this.fail('NOT_FOUND', `strings have no method '${method}' (available: ${STRING_METHODS.join(', ')})`);
      }
    }

    if (Array.isArray(receiver)) {
      switch (method) {
        case 'size':
          arity(0);
          return receiver.length;
        case 'isEmpty':
          arity(0);
          return receiver.length === 0;
        case 'contains':
          arity(1);
          return receiver.some((_, i) => {
            const d = ownData(receiver, String(i));
            return deepEqual(d.found ? d.value : null, args[0]);
          });
        default:
          return this.fail('NOT_FOUND', `lists have no method '${method}' (available: ${LIST_METHODS.join(', ')})`);
      }
    }

    if (isMap(receiver)) {
      switch (method) {
        case 'containsKey':
          arity(1);
          return ownData(receiver, text(0)).found;
        case 'size':
          arity(0);
          return Object.keys(receiver).length;
        case 'isEmpty':
          arity(0);
          return Object.keys(receiver).length === 0;
        default:
          return this.fail('NOT_FOUND', `maps have no method '${method}' (available: ${MAP_METHODS.join(', ')})`);
      }
    }

    return this.fail('TYPE', `cannot call ${method}() on ${typeName(receiver)} (${where})`);
  }

  /** A string for concatenation: text as is, null as "null" (as Java does), lists and maps as JSON. */
  concatText(value: unknown): string {
    if (typeof value === 'string') return value;
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    try {
      return dataToJson(value, MAX_STRING_LENGTH);
    } catch (err) {
      const e = err as JsonTextError;
      return this.fail(e.limit ? 'LIMIT' : 'TYPE', `'+' cannot write ${typeName(value)} as text: ${e.message}`);
    }
  }

  unary(u: jsep.UnaryExpression, depth: number): unknown {
    const v = this.evaluate(u.argument, depth + 1);
    if (u.operator === '!') {
      if (typeof v !== 'boolean') this.fail('TYPE', `'not' needs true or false, got ${typeName(v)} (use #toBoolean(...) for text)`);
      return !v;
    }
    if (typeof v !== 'number') this.fail('TYPE', `'-' needs a number, got ${typeName(v)} (use #toInt(...) for text)`);
    return -(v as number);
  }

  binary(b: jsep.BinaryExpression, depth: number): unknown {
    const op = b.operator;
    if (op === '&&' || op === '||') {
      const word = op === '&&' ? 'and' : 'or';
      const left = this.evaluate(b.left, depth + 1);
      if (typeof left !== 'boolean') this.fail('TYPE', `'${word}' needs true or false on its left, got ${typeName(left)}`);
      if (op === '&&' ? !left : left) return left;
      const right = this.evaluate(b.right, depth + 1);
      if (typeof right !== 'boolean') this.fail('TYPE', `'${word}' needs true or false on its right, got ${typeName(right)}`);
      return right;
    }
    if (op === '??') {
      // Elvis: the left side unless it is null or '' — a missing property or parameter on the left counts as null.
      let left: unknown;
      try {
        left = this.evaluate(b.left, depth + 1);
      } catch (err) {
        if (!(err instanceof ExpressionError) || err.code !== 'NOT_FOUND') throw err;
        left = null;
      }
      return left === null || left === undefined || left === '' ? this.evaluate(b.right, depth + 1) : left;
    }

    const left = this.evaluate(b.left, depth + 1);
    const right = this.evaluate(b.right, depth + 1);
    switch (op) {
      case '==':
        return deepEqual(left, right);
      case '!=':
        return !deepEqual(left, right);
      case '<':
      case '>':
      case '<=':
      case '>=': {
        const bothNumbers = typeof left === 'number' && typeof right === 'number';
        const bothStrings = typeof left === 'string' && typeof right === 'string';
        if (!bothNumbers && !bothStrings) {
          this.fail('TYPE', `cannot compare ${typeName(left)} with ${typeName(right)} using '${op}' (use #toInt(...) to compare text as numbers)`);
        }
        const l = left as number | string;
        const r = right as number | string;
        return op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : l >= r;
      }
      case '+': {
        if (typeof left === 'number' && typeof right === 'number') return left + right;
        if (typeof left === 'string' || typeof right === 'string') {
          const l = this.concatText(left);
          const r = this.concatText(right);
          if (l.length + r.length > MAX_STRING_LENGTH) this.fail('LIMIT', `'+' would produce more than ${MAX_STRING_LENGTH} characters`);
          return l + r;
        }
        return this.fail('TYPE', `cannot add ${typeName(left)} and ${typeName(right)}`);
      }
      default: {
        if (typeof left !== 'number' || typeof right !== 'number') {
          this.fail('TYPE', `'${op}' needs numbers, got ${typeName(left)} and ${typeName(right)} (use #toInt(...) for text)`);
        }
        const l = left as number;
        const r = right as number;
        if ((op === '/' || op === '%') && r === 0) this.fail('TYPE', 'division by zero');
        return op === '-' ? l - r : op === '*' ? l * r : op === '/' ? l / r : l % r;
      }
    }
  }
}

/**
 * Evaluates one expression, SpEL-style.
 *
 * @param source the text inside `${...}`, e.g. `parameters.version != ''` or `#judgment('Approve production')`.
 * @param ctx what names resolve against (`execution`, `trigger`, `parameters`, stage outputs).
 * @param opts `functions`: extra `#helpers` (e.g. `judgment`, `judgement`).
 * @returns the value: string, number, boolean, null, or a list/map/value taken from the context as is.
 * @throws ExpressionError with `expression` = `source`, a `code` and a message in words when the expression
 *   doesn't parse, uses anything outside the whitelist, names something missing, or mixes types.
 *
 * Supported (SpEL as orca evaluates it, minus what is unsafe): literals ('text' with '' for a quote, "text",
 * numbers, true/false/null); names from `ctx`; `.name`, `?.name`, `['name']`, `[0]`; `== != < > <= >=` (with
 * SpEL's `eq ne lt gt le ge`); `+ - * / %` (`div mod`; `+` joins text); `&& || !` and `and or not`;
 * `a ? b : c`; Elvis `a ?: b` (null, '' or a missing property on the left → b); string methods `length`,
 * `toUpperCase`, `toLowerCase`, `trim`, `startsWith`, `endsWith`, `contains`/`includes`, `equals`,
 * `equalsIgnoreCase`, `substring`, `replace` (literal, all occurrences, as Java's), `split` (literal separator,
 * trailing empty parts dropped, as Java's), `isEmpty`; list methods `size`, `isEmpty`, `contains`; map methods
 * `containsKey`, `size`, `isEmpty`; `.length` of strings and lists; helpers `#toInt`, `#toFloat`,
 * `#toBoolean`, `#alphanumerical`, `#toJson` and those in `opts.functions`.
 *
 * Differences from SpEL, on purpose: operands of `and`/`or`/`not` and the condition of `a ? b : c` must be true/false (no text-to-boolean
 * conversion); a missing key fails with `['key']` as with `.key` (SpEL's indexer gives null); `/` on whole
 * numbers is not integer division; no regex (`matches`), no type references, no `new`, no assignment.
 */
export function evaluateExpression(source: string, ctx: ExpressionContext, opts: EvaluateOptions = {}): unknown {
  const evaluator = new Evaluator(source, ctx, opts);
  const rewritten = rewriteForJsep(source);
  let ast: Node;
  try {
    ast = jsep(rewritten);
  } catch (err) {
    if (err instanceof RangeError) throw new ExpressionError(source, 'LIMIT', 'expression is nested too deeply');
    const description = (err as { description?: unknown }).description;
    const text = typeof description === 'string' ? description : err instanceof Error ? err.message : String(err);
    throw new ExpressionError(source, 'SYNTAX', `syntax error: ${text.replaceAll(FUNCTION_MARK, '#')}`);
  }
  evaluator.check(ast);
  const value = evaluator.evaluate(ast);
  return value === undefined ? null : value;
}
