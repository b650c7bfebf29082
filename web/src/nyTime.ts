/**
 * New York wall-clock helpers. lightweight-charts renders every timestamp as UTC
 * (DESIGN.md pitfalls), so the chart is fed "NY wall clock pretending to be UTC" times.
 * The offset is looked up per bar with Intl (EDT −4h / EST −5h, DST-correct for any
 * date) — a fixed −4h would put winter sessions an hour off.
 */
import type { UTCTimestamp } from 'lightweight-charts';

const nyParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

// DST switches happen on whole UTC hours, so the offset is constant within a UTC hour:
// caching by hour makes a 10k-bar snapshot cost a handful of Intl calls, not 10k.
const offsetByUtcHour = new Map<number, number>();

/** Milliseconds to add to a UTC instant to get New York wall-clock time (negative). */
export function nyOffsetMs(utcMs: number): number {
  const hour = Math.floor(utcMs / 3_600_000);
  const cached = offsetByUtcHour.get(hour);
  if (cached !== undefined) return cached;
  const p: Record<string, number> = {};
  for (const part of nyParts.formatToParts(new Date(hour * 3_600_000))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  const offset = wall - hour * 3_600_000;
  if (offsetByUtcHour.size > 50_000) offsetByUtcHour.clear();
  offsetByUtcHour.set(hour, offset);
  return offset;
}

/** Chart time (seconds) for a bar start: NY wall clock encoded as if it were UTC. */
export function toChartTime(utcMs: number): UTCTimestamp {
  return Math.floor((utcMs + nyOffsetMs(utcMs)) / 1000) as UTCTimestamp;
}

/** NY trading date "YYYY-MM-DD" of an instant. */
export function nyDate(utcMs: number): string {
  return new Date(utcMs + nyOffsetMs(utcMs)).toISOString().slice(0, 10);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Thu 10 Oct '13" for a chart time (already NY-shifted). */
export function formatChartDate(chartSeconds: number): string {
  const d = new Date(chartSeconds * 1000);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} '${String(d.getUTCFullYear()).slice(2)}`;
}

/** "10:35" for a chart time (already NY-shifted). */
export function formatChartClock(chartSeconds: number): string {
  const d = new Date(chartSeconds * 1000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}
