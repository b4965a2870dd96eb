/**
 * Cron expressions of `{type: "cron", cronExpression}` triggers, parsed with croner.
 *
 * Spinnaker's echo schedules cron triggers with Quartz (echo-scheduler `TriggerConverter.toQuartzTrigger` builds a
 * Quartz `CronScheduleBuilder.cronSchedule(expression)`), so the expressions people bring are Quartz's: 6 or 7
 * fields, seconds first, an optional year last, `?` for "no specific value", day-of-week numbered 1-7 from Sunday,
 * steps written `0/15`. Classic 5-field crontab expressions (minute first, day-of-week 0-6 from Sunday) and croner's
 * nicknames (`@daily`, `@hourly`, ...) are accepted too. Echo's `H` (hashed "fuzzy" value) is not supported.
 *
 * Times are evaluated in UTC (echo uses `scheduler.cron.timezone`, default America/Los_Angeles; there is no such
 * setting here yet).
 */
import { Cron, type CronOptions } from 'croner';

/** Time zone cron expressions are evaluated in. */
export const CRON_TIMEZONE = 'UTC';

/** Which dialect an expression was read as. */
export type CronDialect = 'quartz' | 'crontab';

/** Splits on whitespace; 6 or 7 fields → Quartz, 5 fields or a nickname → crontab. */
export function cronDialect(expression: string): CronDialect | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length === 1 && fields[0]!.startsWith('@')) return 'crontab';
  if (fields.length === 5) return 'crontab';
  if (fields.length === 6 || fields.length === 7) return 'quartz';
  return null;
}

/**
 * Parses `expression` into a croner pattern object used only for date arithmetic (it never schedules a timer).
 * @throws Error whose message says what is wrong (field count, bad field value).
 */
export function parseCronExpression(expression: string): Cron {
  const dialect = cronDialect(expression);
  if (dialect === null) {
    throw new Error(
      'expected a Quartz expression (6 or 7 fields, seconds first, e.g. "0 0 12 ? * MON-FRI") or a 5-field crontab expression (e.g. "0 12 * * 1-5")',
    );
  }
  if (/\bH\b/.test(expression)) throw new Error('"H" (hashed values) is not supported; use a number');
  const opts: CronOptions =
    dialect === 'quartz'
      ? { mode: '6-or-7-parts', alternativeWeekdays: true, sloppyRanges: true, timezone: CRON_TIMEZONE, paused: true }
      : { mode: '5-part', timezone: CRON_TIMEZONE, paused: true };
  let cron: Cron;
  try {
    cron = new Cron(expression.trim(), opts);
  } catch (err) {
    throw new Error(String((err as Error).message).replace(/^CronPattern: /, ''));
  }
  if (cron.nextRun(new Date()) === null) throw new Error('never fires (every time it names is in the past)');
  return cron;
}

/** The problem with `expression`, or null when it is a valid cron expression. */
export function cronExpressionProblem(expression: unknown): string | null {
  if (typeof expression !== 'string' || expression.trim() === '') return 'required (a cron expression, e.g. "0 0 12 ? * MON-FRI")';
  if (expression.length > 200) return 'expected at most 200 characters';
  try {
    parseCronExpression(expression);
    return null;
  } catch (err) {
    return `invalid cron expression "${expression}": ${(err as Error).message}`;
  }
}
