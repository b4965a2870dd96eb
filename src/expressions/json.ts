/**
 * JSON text of context data, reading only what the evaluator may read: own enumerable data properties (never
 * getters, never `toJSON`, never the prototype chain). Used wherever a list or map becomes text (`+`, templates,
 * `#toJson`), because `JSON.stringify` would run getters and `toJSON` methods of context objects.
 */

/** Thrown when a value can't be written as JSON: circular, too deep, too long, or not data. */
export class JsonTextError extends Error {
  constructor(
    message: string,
    readonly limit = false,
  ) {
    super(message);
    this.name = 'JsonTextError';
  }
}

const MAX_DEPTH = 100;

/**
 * @param value strings, numbers, booleans, null/undefined, arrays and plain data objects, nested.
 * @param maxLength longest text produced, in UTF-16 code units.
 * @returns JSON text like `JSON.stringify` (non-finite numbers → null, function-valued properties skipped).
 * @throws JsonTextError for circular or over-deep structures, functions/symbols at the top or in lists, over-long text.
 */
export function dataToJson(value: unknown, maxLength: number): string {
  const ancestors = new Set<object>();
  let length = 0;
  const emit = (s: string): string => {
    length += s.length;
    if (length > maxLength) throw new JsonTextError(`the text would be longer than ${maxLength} characters`, true);
    return s;
  };
  const write = (v: unknown, depth: number): string => {
    if (v === null || v === undefined) return emit('null');
    switch (typeof v) {
      case 'string':
        return emit(JSON.stringify(v));
      case 'number':
        return emit(Number.isFinite(v) ? String(v) : 'null');
      case 'boolean':
        return emit(String(v));
      case 'object':
        break;
      default:
        throw new JsonTextError(`${typeof v} values cannot be written as JSON`);
    }
    if (depth > MAX_DEPTH) throw new JsonTextError(`nested deeper than ${MAX_DEPTH} levels`);
    if (ancestors.has(v)) throw new JsonTextError('circular structure');
    ancestors.add(v);
    try {
      const parts: string[] = [];
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const d = Object.getOwnPropertyDescriptor(v, String(i));
          parts.push(d !== undefined && 'value' in d && typeof d.value !== 'function' ? write(d.value, depth + 1) : emit('null'));
        }
        return `[${parts.join(',')}]`;
      }
      for (const key of Object.keys(v)) {
        const d = Object.getOwnPropertyDescriptor(v, key);
        if (d === undefined || !('value' in d) || typeof d.value === 'function' || typeof d.value === 'symbol' || d.value === undefined) {
          continue;
        }
        parts.push(`${emit(JSON.stringify(key))}:${write(d.value, depth + 1)}`);
      }
      return `{${parts.join(',')}}`;
    } finally {
      ancestors.delete(v);
    }
  };
  return write(value, 0);
}
