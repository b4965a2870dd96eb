/**
 * Why an expression could not be evaluated:
 * - `SYNTAX`: it does not parse (unbalanced quotes or brackets, stray characters, ...);
 * - `UNSUPPORTED`: it parses but uses something we refuse (assignment, `new`, `this`, `T(...)`, arbitrary calls,
 *   `__proto__`/`constructor`/`prototype`, unknown operators, list/map literals, ...);
 * - `NOT_FOUND`: an unknown name, a missing property or parameter, an index out of range, an unknown `#function`;
 * - `TYPE`: a value of the wrong type for an operator, method or function (`'a' * 2`, `!'yes'`, `null.x`);
 * - `FUNCTION`: a `#helper(...)` function threw;
 * - `LIMIT`: too long, too deeply nested, or a result too large.
 */
export type ExpressionErrorCode = 'SYNTAX' | 'UNSUPPORTED' | 'NOT_FOUND' | 'TYPE' | 'FUNCTION' | 'LIMIT';

/**
 * An expression (the text inside `${...}`) that could not be evaluated. `message` says why in words, e.g.
 * `no such parameter 'region' (parameters given: version)` or `access to 'constructor' is not allowed`.
 */
export class ExpressionError extends Error {
  /** The expression as written, without the surrounding `${` `}`. */
  readonly expression: string;
  readonly code: ExpressionErrorCode;

  constructor(expression: string, code: ExpressionErrorCode, message: string) {
    super(message);
    this.name = 'ExpressionError';
    this.expression = expression;
    this.code = code;
  }
}
