/**
 * keel's `allowed-times` constraint: day and hour windows in a time zone.
 *
 * Syntax (keel's `AllowedTimesConstraintEvaluator`): `days` is a comma list of day names (`mon`, `monday`, ...),
 * ranges (`mon-fri`, wrapping: `fri-mon`) and the aliases `weekdays` and `weekends`; `hours` is a comma list of
 * hours 0-23 and ranges `9-17` (inclusive of both ends, as keel's), wrapping past midnight (`22-2` = 22,23,0,1,2).
 * An absent `days` or `hours` means every day / every hour. Pure; no I/O.
 */

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A parsed window: allowed weekdays (0 = Sunday) and hours (0-23). */
export interface ParsedWindow {
  days: Set<number>;
  hours: Set<number>;
}

const FULL_DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** A day word (`mon`, `monday`, case-insensitive) as 0 = Sunday .. 6, or null. */
function dayIndex(word: string): number | null {
  const w = word.trim().toLowerCase();
  const i = DAY_NAMES.indexOf(w);
  if (i >= 0) return i;
  const j = FULL_DAY_NAMES.indexOf(w);
  return j >= 0 ? j : null;
}

function range(from: number, to: number, size: number): number[] {
  const out: number[] = [];
  for (let i = from; ; i = (i + 1) % size) {
    out.push(i);
    if (i === to) break;
  }
  return out;
}

/**
 * Parses keel's `days` expression.
 * @throws Error naming the bad part (the caller prefixes the path).
 */
export function parseDays(expr: string | undefined): Set<number> {
  if (expr === undefined || expr.trim() === '') return new Set([0, 1, 2, 3, 4, 5, 6]);
  const out = new Set<number>();
  for (const part of expr.split(',').map((p) => p.trim().toLowerCase())) {
    if (part === 'weekdays') [1, 2, 3, 4, 5].forEach((d) => out.add(d));
    else if (part === 'weekends') [0, 6].forEach((d) => out.add(d));
    else if (part.includes('-')) {
      const [a, b] = part.split('-');
      const from = dayIndex(a ?? '');
      const to = dayIndex(b ?? '');
      if (from === null || to === null) throw new Error(`"${part}" is not a day range (e.g. mon-fri)`);
      range(from, to, 7).forEach((d) => out.add(d));
    } else {
      const d = dayIndex(part);
      if (d === null) throw new Error(`"${part}" is not a day (mon, tue, ..., weekdays, weekends)`);
      out.add(d);
    }
  }
  return out;
}

/**
 * Parses keel's `hours` expression.
 * @throws Error naming the bad part.
 */
export function parseHours(expr: string | number | undefined): Set<number> {
  if (expr === undefined || String(expr).trim() === '') return new Set(Array.from({ length: 24 }, (_, i) => i));
  const out = new Set<number>();
  const hour = (s: string | undefined): number | null => (s !== undefined && /^\d{1,2}$/.test(s.trim()) && Number(s) <= 23 ? Number(s) : null);
  for (const part of String(expr).split(',').map((p) => p.trim())) {
    if (part.includes('-')) {
      const [a, b] = part.split('-');
      const from = hour(a);
      const to = hour(b);
      if (from === null || to === null) throw new Error(`"${part}" is not an hour range (e.g. 9-17 or 22-2)`);
      range(from, to, 24).forEach((h) => out.add(h));
    } else {
      const h = hour(part);
      if (h === null) throw new Error(`"${part}" is not an hour 0-23`);
      out.add(h);
    }
  }
  return out;
}

/** True when `tz` is an IANA time zone this runtime knows. */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Weekday (0 = Sunday) and hour of `at` (epoch ms) in `tz`. */
export function localDayHour(at: number, tz: string): { day: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(at));
  const wd = (parts.find((p) => p.type === 'weekday')?.value ?? 'Sun').toLowerCase().slice(0, 3);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? '0') % 24;
  return { day: DAY_NAMES.indexOf(wd), hour };
}

/**
 * True when `at` (epoch ms) falls in one of `windows` in `tz` (default UTC). No windows = always allowed.
 * @throws Error for windows that do not parse (validated configs never do).
 */
export function inAllowedTimes(windows: Array<{ days?: string; hours?: string | number }>, tz: string | undefined, at: number): boolean {
  if (windows.length === 0) return true;
  const { day, hour } = localDayHour(at, tz ?? 'UTC');
  return windows.some((w) => parseDays(w.days).has(day) && parseHours(w.hours).has(hour));
}

/**
 * The start (epoch ms, on a quarter hour) of the next allowed-times window after `at`, looking up to 8 days ahead;
 * null when none opens in that time (never for a validated config). `at` itself inside a window returns `at`.
 */
export function nextWindowOpens(windows: Array<{ days?: string; hours?: string | number }>, tz: string | undefined, at: number): number | null {
  if (inAllowedTimes(windows, tz, at)) return at;
  const step = 15 * 60_000;
  for (let t = Math.ceil(at / step) * step; t <= at + 8 * 86_400_000; t += step) if (inAllowedTimes(windows, tz, t)) return t;
  return null;
}

/** Words for the windows: `mon-fri 9-17 UTC`, `weekends or mon 22-2 Europe/Berlin`. */
export function describeWindows(windows: Array<{ days?: string; hours?: string | number }>, tz: string | undefined): string {
  return `${windows.map((w) => [w.days ?? 'every day', w.hours !== undefined ? String(w.hours) : 'all day'].join(' ')).join(' or ')} ${tz ?? 'UTC'}`;
}
