/**
 * ISO-8601 durations as keel's `manual-judgement` timeout takes them (java.time.Duration / Period style):
 * `PnW`, or `PnDTnHnMnS` with any of the parts (seconds may be fractional). Years and months are refused: they
 * have no fixed length.
 */

const RE = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Parses an ISO-8601 duration into milliseconds.
 * @returns the duration in ms, or null when `s` is not a supported duration (also `P`, `PT`, years, months).
 */
export function parseIsoDuration(s: string): number | null {
  if (typeof s !== 'string') return null;
  const m = RE.exec(s.trim().toUpperCase());
  if (!m || s.trim().toUpperCase() === 'P' || /T$/.test(s.trim())) return null;
  const [, w, d, h, min, sec] = m;
  if (w === undefined && d === undefined && h === undefined && min === undefined && sec === undefined) return null;
  const ms =
    Number(w ?? 0) * 7 * 86_400_000 +
    Number(d ?? 0) * 86_400_000 +
    Number(h ?? 0) * 3_600_000 +
    Number(min ?? 0) * 60_000 +
    Math.round(Number(sec ?? 0) * 1000);
  return Number.isFinite(ms) ? ms : null;
}
