/**
 * What `${...}` expressions can see, as orca's root object for pipeline expressions: the execution, its trigger,
 * the trigger's parameters, and — at the top level — the outputs of stages that ran before, merged (later stages
 * win), so `${image}` reads an `evaluateVariables` output.
 *
 * Only own enumerable data properties are ever read from it (never the prototype chain, never getters).
 */
export interface ExpressionContext {
  execution: { id: string; name: string; application: string; [k: string]: unknown };
  trigger: { user: string; parameters: Record<string, string>; [k: string]: unknown };
  /** The trigger's parameters (usually the same object as `trigger.parameters`). */
  parameters: Record<string, string>;
  /** Stage outputs merged, later stages win. */
  [name: string]: unknown;
}

/**
 * A helper function callable as `#name(...)`. Receives the evaluated arguments; may throw (the expression then
 * fails with code `FUNCTION` and the thrown message).
 */
export type ExpressionFunction = (...args: unknown[]) => unknown;

/** Options of the evaluate functions. */
export interface EvaluateOptions {
  /**
   * Helper functions by name, without the `#`: e.g. `{ judgment, judgement }` for orca's
   * `#judgment('Stage name')`, which needs the execution. They are added to the built-ins (`#toInt`, `#toFloat`,
   * `#toBoolean`, `#alphanumerical`, `#toJson`) and win over a built-in of the same name.
   */
  functions?: Record<string, ExpressionFunction>;
}

/** One failed `${...}` in a template or object. */
export interface TemplateError {
  /** The expression as written, without `${` `}` (for an unclosed `${`, the text after it). */
  expression: string;
  /** Why it failed, in words. */
  message: string;
  /** For `evaluateObject`: where the string sits, e.g. `payload.rollout` or `variables[0].value`; '' at the root. */
  path?: string;
}
