/**
 * A minimal JSONPath for the webhook stage's `statusJsonPath`, `statusUrlJsonPath` and `progressJsonPath`.
 *
 * orca reads these with Jayway JsonPath (`JsonPath.read(body, path)` in MonitorWebhookTask and
 * WebhookStatusCheckUrlRetriever). Real pipelines use plain member and index paths: `$.status`,
 * `$.data[0].state`, `$['build-info'].url`. This resolver supports exactly those — `$` root (optional, as Jayway
 * treats `status` as `$.status`), `.name`, `['name']` / `["name"]`, `[0]` — and refuses wildcards, filters, slices
 * and deep scans with a message, so a path that would need them fails at save time rather than at run time.
 */

export type PathSegment = string | number;

/** A path this resolver cannot read; the message says what is wrong and where. */
export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

const IDENT = /^[A-Za-z_$][\w$-]*/;

/**
 * Parses a path into its segments.
 * @throws JsonPathError for syntax it does not support (`*`, `..`, `[?(...)]`, slices, unclosed brackets).
 */
export function parseJsonPath(path: string): PathSegment[] {
  const src = path.trim();
  if (src === '') throw new JsonPathError('expected a JSON path such as $.status');
  let i = 0;
  const out: PathSegment[] = [];
  if (src[0] === '$') i = 1;
  else {
    const m = IDENT.exec(src);
    if (!m) throw new JsonPathError(`expected $ or a property name at the start of "${src}"`);
    out.push(m[0]);
    i = m[0].length;
  }
  while (i < src.length) {
    const c = src[i];
    if (c === '.') {
      if (src[i + 1] === '.') throw new JsonPathError(`deep scan (..) is not supported in "${src}"; name each property`);
      const m = IDENT.exec(src.slice(i + 1));
      if (!m) throw new JsonPathError(`expected a property name after "." at position ${i + 1} of "${src}"`);
      out.push(m[0]);
      i += 1 + m[0].length;
    } else if (c === '[') {
      const close = findClose(src, i);
      const inner = src.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else if (/^'(?:[^'\\]|\\.)*'$/.test(inner) || /^"(?:[^"\\]|\\.)*"$/.test(inner)) out.push(inner.slice(1, -1).replace(/\\(.)/g, '$1'));
      else throw new JsonPathError(`unsupported selector [${inner}] in "${src}"; use [0] or ['name']`);
      i = close + 1;
    } else {
      throw new JsonPathError(`unexpected "${c}" at position ${i} of "${src}"`);
    }
  }
  return out;
}

function findClose(src: string, open: number): number {
  let quote: string | null = null;
  for (let j = open + 1; j < src.length; j++) {
    const ch = src[j];
    if (quote) {
      if (ch === '\\') j++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ']') return j;
  }
  throw new JsonPathError(`unclosed [ at position ${open} of "${src}"`);
}

/** The result of reading a path: found with its value, or not found (Jayway's PathNotFoundException). */
export type JsonPathResult = { found: true; value: unknown } | { found: false };

/**
 * Reads `path` from a parsed JSON document. Only own properties of plain objects and array indexes are followed,
 * so `__proto__` or `constructor` never reach anything but data.
 * @throws JsonPathError when the path itself is invalid.
 */
export function readJsonPath(document: unknown, path: string): JsonPathResult {
  let cur: unknown = document;
  for (const seg of parseJsonPath(path)) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur) || seg >= cur.length) return { found: false };
      cur = cur[seg];
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, seg)) return { found: false };
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return { found: true, value: cur };
}
