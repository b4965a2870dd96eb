/**
 * Execution windows, as orca's RestrictExecutionDuringTimeWindow: a stage with `restrictExecutionDuringTimeWindow:
 * true` starts only inside `restrictedExecutionWindow: {whitelist: [{startHour, startMin, endHour, endMin}], days}`.
 *
 * Pure arithmetic (no clock, no I/O), at orca's minute granularity:
 * - a window includes its end minute (09:00–17:00 is open until 17:00:59.999);
 * - a window whose start is after its end crosses midnight (22:00–02:00 is open 22:00–23:59 and 00:00–02:00);
 * - `days` uses orca's numbering (java.util.Calendar's DAY_OF_WEEK): 1 = Sunday, 2 = Monday, … 7 = Saturday. A
 *   minute is open only when its own calendar day is allowed — so with `days: [6]` (Friday) a 22:00–02:00 window is
 *   open Friday 00:00–02:00 and Friday 22:00–23:59, not Saturday 00:00–02:00 (orca splits the window the same way);
 * - an empty or missing whitelist means the whole day (on the allowed days); empty or missing `days` means every day.
 *   (Orca fails the stage when both are empty; here that is simply "always open".)
 *
 * Times are UTC. Orca reads them in a configured zone (`tasks.execution-window.timezone`, America/Los_Angeles by
 * default); this service has no such setting yet, so pipelines imported from Spinnaker must shift their hours.
 * `jitter` is accepted (validated) but not applied.
 */

export interface TimeOfDayWindow {
  startHour: number;
  startMin?: number;
  endHour: number;
  endMin?: number;
}

export interface ExecutionWindow {
  whitelist?: TimeOfDayWindow[];
  /** 1 = Sunday … 7 = Saturday (orca's numbering). */
  days?: number[];
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const LAST_MINUTE = 24 * 60 - 1;

/** Minute-of-day ranges [from, to] (both inclusive), midnight-crossing windows split in two, sorted by start. */
export function minuteRanges(window: ExecutionWindow): Array<[number, number]> {
  const list = window.whitelist ?? [];
  if (list.length === 0) return [[0, LAST_MINUTE]];
  const out: Array<[number, number]> = [];
  for (const w of list) {
    const start = w.startHour * 60 + (w.startMin ?? 0);
    const end = w.endHour * 60 + (w.endMin ?? 0);
    if (start <= end) out.push([start, end]);
    else out.push([start, LAST_MINUTE], [0, end]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** orca's day number (1 = Sunday … 7 = Saturday) of the UTC day containing `at` (epoch ms). */
export function orcaDayOfWeek(at: number): number {
  return new Date(at).getUTCDay() + 1;
}

function dayAllowed(window: ExecutionWindow, at: number): boolean {
  const days = window.days ?? [];
  return days.length === 0 || days.includes(orcaDayOfWeek(at));
}

/** Whether `at` (epoch ms) falls inside the window. */
export function isInWindow(window: ExecutionWindow, at: number): boolean {
  if (!dayAllowed(window, at)) return false;
  const d = new Date(at);
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
  return minuteRanges(window).some(([from, to]) => minute >= from && minute <= to);
}

/**
 * When the stage may start: `now` itself when `now` is inside the window, else the epoch ms at which the window next
 * opens (the start of a whole minute). Null only when no day can ever be open (`days` holds no value 1–7).
 */
export function nextWindowOpening(window: ExecutionWindow, now: number): number | null {
  if (isInWindow(window, now)) return now;
  const ranges = minuteRanges(window);
  const today = Math.floor(now / DAY) * DAY;
  // Today (later minutes only) and the next 7 days cover every weekday.
  for (let d = 0; d <= 7; d++) {
    const dayStart = today + d * DAY;
    if (!dayAllowed(window, dayStart)) continue;
    for (const [from] of ranges) {
      const opening = dayStart + from * MINUTE;
      if (opening > now) return opening;
    }
  }
  return null;
}
