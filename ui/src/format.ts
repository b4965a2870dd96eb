/** Small display helpers. Times are epoch ms. */

export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString();
}

/** "1h 2m", "3.4s": a duration in ms for people. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return '—';
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toString()}s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

export function elapsed(start: number | null, end: number | null): string {
  if (start === null) return '—';
  return duration((end ?? Date.now()) - start);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
