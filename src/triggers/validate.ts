/**
 * Save-time checks of a pipeline's `triggers`, called from `validatePipelineConfig`. Only the trigger types this
 * service runs (`cron`, `webhook`) are checked; other types Deck saves (jenkins, git, docker, ...) are kept as-is and
 * never fire.
 */
import { isSafePattern, patternProblem } from './webhook.js';
import type { Issue } from '../engine/validate.js';
import { cronExpressionProblem } from './cron-expression.js';

/** Every problem of `config.triggers`, each with its path (e.g. `triggers[1].cronExpression`). */
export function validateTriggers(config: { triggers?: unknown }): Issue[] {
  const issues: Issue[] = [];
  if (!Array.isArray(config.triggers)) return issues;
  config.triggers.forEach((t, i) => {
    const at = `triggers[${i}]`;
    if (t === null || typeof t !== 'object' || Array.isArray(t)) {
      issues.push({ path: at, message: 'expected a trigger object {type, enabled, ...}' });
      return;
    }
    const trigger = t as Record<string, unknown>;
    if (typeof trigger.type !== 'string' || trigger.type === '') {
      issues.push({ path: `${at}.type`, message: 'required (e.g. "cron" or "webhook")' });
      return;
    }
    if (trigger.enabled !== undefined && typeof trigger.enabled !== 'boolean') issues.push({ path: `${at}.enabled`, message: 'expected true or false' });
    if (trigger.id !== undefined && (typeof trigger.id !== 'string' || trigger.id === '')) issues.push({ path: `${at}.id`, message: 'expected a non-empty string' });
    switch (trigger.type.toLowerCase()) {
      case 'cron': {
        const problem = cronExpressionProblem(trigger.cronExpression);
        if (problem) issues.push({ path: `${at}.cronExpression`, message: problem });
        break;
      }
      case 'webhook': {
        if (typeof trigger.source !== 'string' || trigger.source.trim() === '') {
          issues.push({ path: `${at}.source`, message: 'required (the NAME in POST /webhooks/webhook/NAME)' });
        } else if (trigger.source.includes('/')) {
          issues.push({ path: `${at}.source`, message: 'must not contain /' });
        }
        const pc = trigger.payloadConstraints;
        if (pc === undefined || pc === null) break;
        if (typeof pc !== 'object' || Array.isArray(pc)) {
          issues.push({ path: `${at}.payloadConstraints`, message: 'expected an object {payloadField: regex}' });
          break;
        }
        for (const [key, value] of Object.entries(pc as Record<string, unknown>)) {
          if (value === null) continue;
          if (typeof value !== 'string') {
            issues.push({ path: `${at}.payloadConstraints.${key}`, message: 'expected a string (a regular expression)' });
            continue;
          }
          try {
            new RegExp(value);
            if (!isSafePattern(value)) {
              issues.push({
                path: `${at}.payloadConstraints.${key}`,
                message:
                  patternProblem(value) ??
                  'regular expression with nested repetition (like (a+)+) could take exponential time on a crafted payload; simplify it',
              });
            }
          } catch (err) {
            issues.push({ path: `${at}.payloadConstraints.${key}`, message: `invalid regular expression: ${(err as Error).message}` });
          }
        }
        break;
      }
      default:
        break;
    }
  });
  return issues;
}
