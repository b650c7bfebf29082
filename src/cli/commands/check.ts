/**
 * `optdesk check` — the integrity report for one symbol over a date range: missing minutes,
 * input anomalies seen on import, bad ticks, suspected splits, and per-day differences
 * between the vendor daily bar and the minute-derived one.
 */
import { BarEngine, placeMinute } from '../../bars/index.js';
import {
  compareDaily, findDailyBadTicks, findMinuteBadTicks, findMissingMinutes, findSuspectedSplits,
} from '../../bars/integrity.js';
import type { Bar } from '../../core/types.js';
import { addDays, nyMidnight, sessionsBetween } from '../../calendar/index.js';
import { openStore, resolveDbPath, type MarketStore } from '../../store/index.js';
import { parseArg, parseRange, symbolArg } from '../args.js';
import { warnIncompleteImports } from '../warnings.js';
import { z } from 'zod';

export interface CheckOptions {
  from?: string;
  to?: string;
  db?: string;
  format?: string;
}

export function buildIntegrityReport(store: MarketStore, symbol: string, from: string, to: string) {
  const fromMs = nyMidnight(from);
  const toMs = nyMidnight(addDays(to, 1));
  const sessions = sessionsBetween(from, to);
  const minutes = store.minuteBars(symbol, fromMs, toMs);
  // Trailing history for the medians, so the first days of the range are judged too.
  const dailyWithLookback = store.dailyBars(symbol, nyMidnight(addDays(from, -45)), toMs);
  const daily = dailyWithLookback.filter((d) => d.start >= fromMs);

  const engine = new BarEngine({ timeframes: ['1D'], extended: false, clock: Date.now() });
  for (const m of minutes) engine.applyMinute(m, 'history');
  const derived = new Map<string, Bar>();
  for (const s of sessions) {
    const bar = engine.derivedDaily(symbol, s);
    if (bar) derived.set(s.date, bar);
  }
  const minuteDates = new Set(sessions.filter((s) => derived.has(s.date)).map((s) => s.date));
  const regularMinutes = minutes.filter((m) => placeMinute(m.start)?.segment === 'regular');

  return {
    symbol,
    from,
    to,
    sessions: sessions.length,
    sessionsWithMinutes: minuteDates.size,
    sessionsWithVendorDaily: daily.length,
    sessionsWithoutAnyData: sessions.filter((s) => !minuteDates.has(s.date) && !daily.some((d) => d.start === s.midnight)).map((s) => s.date),
    missingMinutes: findMissingMinutes(sessions, regularMinutes).filter((m) => m.present < m.expected),
    importLog: importAnomalies(store, symbol),
    badTicks: [
      ...findDailyBadTicks(dailyWithLookback).filter((t) => t.date >= from),
      ...findMinuteBadTicks(regularMinutes),
    ],
    suspectedSplits: findSuspectedSplits(dailyWithLookback).filter((s) => s.date >= from),
    dailyDifferences: compareDaily(daily, derived),
  };
}

/** Bad, duplicate and out-of-order rows of `symbol` the importer saw, over the newest import of each file. */
function importAnomalies(store: MarketStore, symbol: string) {
  const s = store.importSummary(symbol);
  return {
    files: s.files,
    rows: s.rows,
    badRows: s.bad,
    duplicateRows: s.duplicates,
    outOfOrderRows: s.outOfOrder,
    filesStoppedEarly: s.filesStoppedEarly,
    incompleteImports: store.incompleteImports().map((r) => r.path),
  };
}

type Report = ReturnType<typeof buildIntegrityReport>;

export function formatIntegrityReport(r: Report): string {
  const lines: string[] = [];
  lines.push(`Integrity report for ${r.symbol}, ${r.from} … ${r.to}`);
  lines.push(`  sessions: ${r.sessions}; with minute bars: ${r.sessionsWithMinutes}; with vendor daily bars: ${r.sessionsWithVendorDaily}`);
  if (r.sessionsWithoutAnyData.length) lines.push(`  sessions with no data at all: ${summarizeList(r.sessionsWithoutAnyData)}`);
  lines.push('');
  lines.push(`Missing regular-session minutes (${r.missingMinutes.length} sessions):`);
  for (const m of r.missingMinutes.slice(0, 30)) {
    lines.push(`  ${m.date}: ${m.expected - m.present} of ${m.expected} missing; longest gaps ${m.longestGaps.join(', ')}`);
  }
  if (r.missingMinutes.length > 30) lines.push(`  … ${r.missingMinutes.length - 30} more sessions`);
  lines.push('');
  lines.push(`Input seen on import (${r.importLog.rows} ${r.symbol} rows in ${r.importLog.files} files): ${r.importLog.badRows} bad rows, ${r.importLog.duplicateRows} duplicates, ${r.importLog.outOfOrderRows} out of order`);
  for (const f of r.importLog.filesStoppedEarly) lines.push(`  stopped early: ${f}`);
  for (const f of r.importLog.incompleteImports) lines.push(`  incomplete import (killed or still running): ${f}`);
  lines.push('');
  lines.push(`Bad ticks (${r.badTicks.length}):`);
  for (const t of r.badTicks) lines.push(`  ${t.date}${t.time ? ' ' + t.time : ''} ${t.kind}: ${t.detail}`);
  lines.push('');
  lines.push(`Suspected splits (${r.suspectedSplits.length}):`);
  for (const s of r.suspectedSplits) lines.push(`  ${s.date} ${s.ratio}: previous close ${s.previousClose}, open ${s.open}`);
  lines.push('');
  lines.push(`Vendor daily vs minute-derived (${r.dailyDifferences.length} sessions differ):`);
  for (const d of r.dailyDifferences) {
    const parts = Object.entries(d.fields).map(([f, [v, m]]) => `${f} vendor ${v} vs minutes ${m}`);
    lines.push(`  ${d.date}: ${parts.join('; ')}`);
  }
  return lines.join('\n') + '\n';
}

function summarizeList(items: string[]): string {
  return items.length <= 10 ? items.join(', ') : `${items.slice(0, 10).join(', ')} … (${items.length} in all)`;
}

export function runCheck(symbolInput: string, opts: CheckOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream = process.stderr): number {
  const symbol = parseArg('SYMBOL', symbolArg, symbolInput);
  const { from, to } = parseRange(opts.from, opts.to);
  const format = parseArg('--format', z.enum(['text', 'json'], { error: 'must be text or json' }), opts.format ?? 'text');
  const store = openStore(resolveDbPath(opts));
  try {
    warnIncompleteImports(store, err);
    const report = buildIntegrityReport(store, symbol, from, to);
    out.write(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatIntegrityReport(report));
    return 0;
  } finally {
    store.close();
  }
}
