import safeRegex from 'safe-regex2';
import { createRequire } from 'node:module';
/**
 * Webhook triggers: `{type: "webhook", source: "NAME", enabled, payloadConstraints}` pipelines started by
 * `POST /webhooks/webhook/NAME`, as Spinnaker's echo does it:
 * - echo-webhooks `WebhooksController` (`POST /webhooks/{type}/{source}`): the JSON body is the event's content and
 *   its payload; the answer is `{eventProcessed: true, eventId}`.
 * - echo-pipelinetriggers `WebhookEventHandler`: a trigger matches when it is enabled, its type equals the path's
 *   type (ignoring case), its `source` equals the path's source exactly, and its `payloadConstraints` (when present)
 *   are all in the payload; the started trigger carries `payload`, `parameters` (the body's `parameters`) and
 *   `eventId`. The first matching trigger of a pipeline starts it (once per pipeline).
 * - echo `ArtifactMatcher.isConstraintInPayload`: every constraint key must be present in the payload with a non-null
 *   value, and a non-null constraint value is a regular expression that must be *found* in the payload value's
 *   string form (unanchored: "o" matches "one"; write `^one$` for an exact match). An invalid regex matches nothing.
 * Disabled pipelines are left out, as echo's pipeline cache leaves them out.
 */

/** A webhook trigger as saved on a pipeline (Deck's fields; others are kept and copied into the execution). */
export interface WebhookTriggerConfig {
  type: string;
  source?: string;
  enabled?: boolean;
  payloadConstraints?: Record<string, unknown> | null;
  runAsUser?: string;
  [field: string]: unknown;
}

/** Longest payload value a constraint regex is run against. */
export const MAX_CONSTRAINT_SUBJECT = 4096;

/**
 * False for a pattern JavaScript's backtracking engine can take exponential time on — and the webhook endpoint is
 * unauthenticated. Such patterns are refused at save and never run. Two checks:
 * - safe-regex2 (the check Fastify's router uses): nested repetition, star height > 1 (`(a+)+`);
 * - {@link patternProblem}, our conservative rule on top, for what safe-regex2 lets through (`^(a|aa)+$`).
 */
export function isSafePattern(pattern: string): boolean {
  return safeRegex(pattern) && patternProblem(pattern) === null;
}

type RetToken = { type: number; stack?: RetToken[]; options?: RetToken[][]; value?: unknown; min?: number; max?: number | null };
/** `ret`, safe-regex2's regex tokenizer (CommonJS: its function is module.exports, with `.types`). */
const ret = createRequire(import.meta.url)('ret') as ((pattern: string) => RetToken) & { types: Record<'GROUP' | 'REPETITION', number> };

/** True when `t` (or anything inside it) is an alternation `|` or a quantifier. */
function hasAlternationOrQuantifier(t: RetToken): boolean {
  if (t.type === ret.types.REPETITION) return true;
  if (t.options) return t.options.length > 1 || t.options.some((o) => o.some(hasAlternationOrQuantifier));
  if (t.stack) return t.stack.some(hasAlternationOrQuantifier);
  return false;
}

/**
 * Our conservative ReDoS rule (safe-regex2 accepts `^(a|a)+$`, `^(a|aa)+$`, `^(\w|a)*$`, which froze the process
 * for seconds): a quantifier that repeats more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1) may not apply to a
 * group containing an alternation `|` or another quantifier. Parsed with `ret` (safe-regex2's own tokenizer).
 * @returns why the pattern is refused and how to rewrite it, or null when it passes (or cannot be parsed: the
 *   RegExp constructor reports that).
 */
export function patternProblem(pattern: string): string | null {
  let root: RetToken;
  try {
    root = ret(pattern) as RetToken;
  } catch {
    return null;
  }
  const walk = (t: RetToken): string | null => {
    if (t.type === ret.types.REPETITION) {
      const inner = t.value as RetToken;
      const many = t.max === null || t.max === undefined || t.max === Infinity || t.max > 1;
      if (many && inner.type === ret.types.GROUP && hasAlternationOrQuantifier(inner)) {
        return (
          'a repeated group (*, +, {n,}) containing an alternation | or another quantifier (nested repetition), like (a|aa)+ or (a+)*, can take ' +
          'exponential time on a crafted payload; rewrite it without repeating the group: a character class ' +
          '([a-z0-9_]+ instead of (\\w|a)+), or an unrepeated alternation (^(main|develop)$)'
        );
      }
      return walk(inner);
    }
    for (const list of [...(t.options ?? []), ...(t.stack ? [t.stack] : [])]) {
      for (const child of list) {
        const p = walk(child);
        if (p) return p;
      }
    }
    return null;
  };
  return walk(root);
}

/** A payload value as Java's `toString()` would show it to the regex: strings as-is, other values as JSON. */
function subject(value: unknown): string {
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return s.length > MAX_CONSTRAINT_SUBJECT ? s.slice(0, MAX_CONSTRAINT_SUBJECT) : s;
}

/**
 * True when every constraint is satisfied by `payload` (echo's `isConstraintInPayload`): the key is present with a
 * non-null value and, when the constraint value is not null, the value (a regex) is found in the payload value.
 */
export function payloadMatches(constraints: Record<string, unknown> | null | undefined, payload: Record<string, unknown>): boolean {
  if (!constraints) return true;
  for (const [key, want] of Object.entries(constraints)) {
    if (!Object.hasOwn(payload, key)) return false;
    const have = payload[key];
    if (have === null || have === undefined) return false;
    if (want === null || want === undefined) continue;
    let re: RegExp;
    try {
      if (!isSafePattern(String(want))) return false; // saved before this check: never run it
      re = new RegExp(String(want));
    } catch {
      return false;
    }
    if (!re.test(subject(have))) return false;
  }
  return true;
}

/** True for an object that is a webhook trigger (type compared ignoring case, as echo does). */
function isWebhookTrigger(t: unknown): t is WebhookTriggerConfig {
  return t !== null && typeof t === 'object' && !Array.isArray(t) && String((t as { type?: unknown }).type ?? '').toLowerCase() === 'webhook';
}

/**
 * The first enabled webhook trigger of `config` for `source` whose constraints `payload` satisfies, or undefined.
 * A disabled pipeline (`disabled: true`) never matches.
 */
export function matchingWebhookTrigger(
  config: { disabled?: unknown; triggers?: unknown[] },
  source: string,
  payload: Record<string, unknown>,
): WebhookTriggerConfig | undefined {
  if (config.disabled === true || !Array.isArray(config.triggers)) return undefined;
  return config.triggers.find(
    (t): t is WebhookTriggerConfig =>
      isWebhookTrigger(t) &&
      t.enabled === true &&
      t.source === source &&
      payloadMatches(t.payloadConstraints && typeof t.payloadConstraints === 'object' ? t.payloadConstraints : null, payload),
  );
}
