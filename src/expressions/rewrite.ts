/**
 * Turns SpEL-flavoured source into source jsep parses, without changing its meaning:
 * - string literals keep SpEL's rules (`'...'` or `"..."`, the quote doubled to escape it, no backslash escapes)
 *   and are re-encoded as jsep double-quoted literals;
 * - `#name` (helper functions) becomes an internal identifier `FUNCTION_MARK + name`;
 * - SpEL's word operators become symbols: `and` → `&&`, `or` → `||`, `not` → `!`, `eq ne lt gt le ge` →
 *   `== != < > <= >=`, `div mod` → `/ %` (any case, not after a `.`);
 * - Elvis `?:` becomes `??` (evaluated with Elvis's meaning: null or '' → the right side).
 * Refused here, with a message in words: assignment `=`, `new`, `T(...)`, inline `{...}`, SpEL operators we don't
 * support (`matches`, `instanceof`, `between`), over-long or over-nested source.
 */
import { ExpressionError } from './errors.js';

/** Marks an identifier produced from `#name`; a private-use character that user source may not contain. */
export const FUNCTION_MARK = '\uE000';

/** Longest expression accepted, in UTF-16 code units. */
export const MAX_EXPRESSION_LENGTH = 10_000;
/** Deepest nesting of `(` and `[` accepted. */
export const MAX_NESTING = 64;

const WORD_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['and', '&&'],
  ['or', '||'],
  ['not', '!'],
  ['eq', '=='],
  ['ne', '!='],
  ['lt', '<'],
  ['gt', '>'],
  ['le', '<='],
  ['ge', '>='],
  ['div', '/'],
  ['mod', '%'],
]);
const UNSUPPORTED_WORDS = new Set(['matches', 'instanceof', 'between']);

const IDENT = /[A-Za-z_$\u0080-\uDFFF\uF900-\uFFFF][\w$\u0080-\uDFFF\uF900-\uFFFF]*/y;
const NUMBER = /[0-9][\w$]*/y;

/** A jsep double-quoted literal holding exactly `text`. */
function jsepString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

function lastSignificant(out: string): string {
  let k = out.length - 1;
  while (k >= 0 && /\s/.test(out[k]!)) k--;
  return k >= 0 ? out[k]! : '';
}

/**
 * @param source the expression, without `${` `}`.
 * @returns source for jsep.
 * @throws ExpressionError (`SYNTAX`, `UNSUPPORTED`, `LIMIT`).
 */
export function rewriteForJsep(source: string): string {
  const fail = (code: 'SYNTAX' | 'UNSUPPORTED' | 'LIMIT', message: string): never => {
    throw new ExpressionError(source, code, message);
  };
  if (source.length > MAX_EXPRESSION_LENGTH) fail('LIMIT', `expression is too long (over ${MAX_EXPRESSION_LENGTH} characters)`);
  if (source.trim() === '') fail('SYNTAX', 'empty expression');

  let out = '';
  let depth = 0;
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;

    if (ch === "'" || ch === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        const k = source.indexOf(ch, j);
        if (k === -1) fail('SYNTAX', `unterminated string literal (a ${ch} is not closed)`);
        text += source.slice(j, k);
        if (source[k + 1] === ch) {
          text += ch;
          j = k + 2;
          continue;
        }
        i = k + 1;
        break;
      }
      out += jsepString(text);
      continue;
    }

    if (ch === '#') {
      IDENT.lastIndex = i + 1;
      const m = IDENT.exec(source);
      if (m === null) fail('SYNTAX', "'#' must be followed by a function name, as in #toInt(parameters.count)");
      out += FUNCTION_MARK + m![0];
      i += 1 + m![0].length;
      continue;
    }

    if (ch === FUNCTION_MARK) fail('SYNTAX', 'unsupported character U+E000');

    NUMBER.lastIndex = i;
    const num = NUMBER.exec(source);
    if (num !== null) {
      out += num[0];
      i += num[0].length;
      continue;
    }

    IDENT.lastIndex = i;
    const word = IDENT.exec(source);
    if (word !== null) {
      const w = word[0];
      i += w.length;
      if (lastSignificant(out) === '.') {
        out += w; // a property name, e.g. `trigger.not`
        continue;
      }
      const lower = w.toLowerCase();
      const op = WORD_OPERATORS.get(lower);
      if (op !== undefined) out += ` ${op} `;
      else if (lower === 'new') fail('UNSUPPORTED', "'new' (creating objects) is not supported");
      else if (w === 'T' && /^\s*\(/.test(source.slice(i, i + 50))) fail('UNSUPPORTED', 'type references T(...) are not supported');
      else if (UNSUPPORTED_WORDS.has(lower)) fail('UNSUPPORTED', `the SpEL operator '${lower}' is not supported`);
      else out += w;
      continue;
    }

    if (ch === '?' && source[i + 1] === ':') {
      out += ' ?? ';
      i += 2;
      continue;
    }
    if (ch === '=' || ch === '!' || ch === '<' || ch === '>') {
      if ((ch === '=' || ch === '!') && source.startsWith('==', i + 1)) {
        fail('UNSUPPORTED', `'${ch}==' is not supported; use ${ch}=`);
      }
      if (source[i + 1] === '=') {
        out += ch + '=';
        i += 2;
        continue;
      }
      if (ch === '=') fail('UNSUPPORTED', 'assignment (=) is not supported; compare with ==');
    }
    if (ch === '{' || ch === '}') fail('UNSUPPORTED', 'inline lists and maps ({...}) are not supported');
    if (ch === '(' || ch === '[') {
      depth++;
      if (depth > MAX_NESTING) fail('LIMIT', `expression is nested too deeply (over ${MAX_NESTING} brackets)`);
    } else if (ch === ')' || ch === ']') {
      depth--;
    }
    out += ch;
    i++;
  }
  return out;
}
