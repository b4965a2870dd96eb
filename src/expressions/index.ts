/**
 * `${...}` expressions, SpEL-flavoured as in Spinnaker pipelines, evaluated without eval/new Function: jsep parses,
 * a whitelist walk evaluates. Imports nothing from other src folders except src/model.
 */
export { evaluateExpression, MAX_STRING_LENGTH } from './evaluate.js';
export { evaluateTemplate, evaluateTemplateValue, evaluateObject } from './template.js';
export { ExpressionError, type ExpressionErrorCode } from './errors.js';
export { BUILTIN_FUNCTIONS } from './functions.js';
export { MAX_EXPRESSION_LENGTH, MAX_NESTING } from './rewrite.js';
export type { EvaluateOptions, ExpressionContext, ExpressionFunction, TemplateError } from './types.js';
