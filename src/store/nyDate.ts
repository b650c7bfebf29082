/**
 * Epoch ms → America/New_York calendar date, cached per UTC hour.
 *
 * Kept local because the store needs it on every inserted minute bar (to index which days
 * have data) and Intl formatting is slow; DST changes happen on the hour, so an hour-level
 * cache is exact. src/calendar owns session logic; this is only the date label.
 */
import type { IsoDate } from '../core/types.js';

const HOUR_MS = 3_600_000;
const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const cache = new Map<number, IsoDate>();

export function nyDateOf(ms: number): IsoDate {
  const hour = Math.floor(ms / HOUR_MS);
  let date = cache.get(hour);
  if (date === undefined) {
    const parts: Record<string, string> = {};
    for (const p of formatter.formatToParts(ms)) parts[p.type] = p.value;
    date = `${parts.year}-${parts.month}-${parts.day}`;
    // Bounded: a long import walks forward in time, old hours are not needed again.
    if (cache.size > 50_000) cache.clear();
    cache.set(hour, date);
  }
  return date;
}
