/**
 * Gaps in a series: sessions of the replay window without any recorded data (the
 * snapshot's `coverage.missing`). lightweight-charts places bars by index, so two distant
 * days would sit side by side like neighbours; each gap gets a marked line at the first
 * bar after it (drawn by SessionSeparators) and a sentence above the chart.
 */
import type { UTCTimestamp } from 'lightweight-charts';
import type { MissingSessions, SeriesCoverage, WireBar } from '../../../src/wire/protocol.js';
import { nyDate, toChartTime } from '../nyTime.js';

export interface GapMark {
  /** Chart time (NY-shifted) of the first bar after the gap. */
  time: UTCTimestamp;
  label: string;
}

function span(r: MissingSessions): string {
  return r.from === r.to ? r.from : `${r.from} – ${r.to}`;
}

/** A mark at the first bar after each missing range that has bars after it. */
export function gapMarks(bars: readonly WireBar[], coverage: SeriesCoverage | undefined): GapMark[] {
  if (!coverage || bars.length === 0) return [];
  const marks: GapMark[] = [];
  let i = 0;
  for (const r of coverage.missing) {
    while (i < bars.length && nyDate(bars[i]!.start) <= r.to) i++;
    const after = bars[i];
    if (!after) break;
    marks.push({ time: toChartTime(after.start), label: `gap: ${r.sessions} session${r.sessions === 1 ? '' : 's'}` });
  }
  return marks;
}

/** The sentence above the chart ("No recorded data for 2023-07-27 – 2023-08-02 (5 sessions)"), or null when the window is complete. */
export function gapSentence(coverage: SeriesCoverage | undefined): string | null {
  if (!coverage || coverage.missing.length === 0) return null;
  const count = (n: number): string => `${n} session${n === 1 ? '' : 's'}`;
  const listed = coverage.missing.slice(0, 3).map((r) => `${span(r)} (${count(r.sessions)})`);
  const more = coverage.missing.slice(3).reduce((n, r) => n + r.sessions, 0);
  return `No recorded data for ${listed.join(', ')}${more ? ` and ${count(more)} more` : ''}`;
}
