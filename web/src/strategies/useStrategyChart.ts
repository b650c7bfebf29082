/**
 * What the strategy panels put on the desk's chart: the shown backtest run's entries and
 * exits (those before the replay clock) as fill markers and its levels as lines (and, from the instances panel, live
 * instances' levels). Showing a trade also jumps the chart: symbol, and the replay paused a
 * few minutes after the trade's exit on its day (`jump`, supplied by the desk).
 */
import { useCallback, useMemo, useState } from 'react';
import type { ChartFill } from '../chart/fillMarkers.js';
import type { ChartFocus, ChartLevel } from '../backtest/StrategyLevels.js';
import type { ShownRun } from '../backtest/BacktestPanel.js';
import type { ReportTrade } from '../backtest/backtestApi.js';
import { jumpFor, tradeFills } from '../backtest/tradeFills.js';

const FOCUS_BEFORE_MS = 60 * 60_000;
const FOCUS_AFTER_MS = 30 * 60_000;

export interface StrategyChart {
  fills: ChartFill[];
  levels: ChartLevel[];
  shown: { run: string; index: number } | null;
  /** The span the chart should bring into view (the trade shown, with some context). */
  focus: ChartFocus | null;
  showTrade(run: ShownRun, trade: ReportTrade, index: number): void;
  /** Live levels published by running instances (the instances panel sets them). */
  setLiveLevels(levels: ChartLevel[]): void;
}

export function useStrategyChart(jump: (symbol: string, at: { session: string; time: string }) => void, clock: number | null): StrategyChart {
  const [run, setRun] = useState<ShownRun | null>(null);
  const [shown, setShown] = useState<{ run: string; index: number } | null>(null);
  const [liveLevels, setLiveLevels] = useState<ChartLevel[]>([]);
  const [focus, setFocus] = useState<ChartFocus | null>(null);
  const allFills = useMemo(() => (run ? tradeFills(run.id.slice(0, 8), run.result.symbol, run.result.trades) : []), [run]);
  // Only what had happened by the replay clock: a later trade on the chart would be look-ahead.
  const minute = clock === null ? null : Math.floor(clock / 60_000);
  const fills = useMemo(() => (minute === null ? allFills : allFills.filter((f) => f.time < (minute + 1) * 60_000)), [allFills, minute]);
  const levels = useMemo(() => {
    const fromRun: ChartLevel[] = run
      ? run.result.levels.map((l) => ({ set: `${run.result.strategy}`, symbol: run.result.symbol, from: Date.parse(l.from), to: Date.parse(l.to), high: l.high, low: l.low }))
      : [];
    return [...fromRun, ...liveLevels];
  }, [run, liveLevels]);
  const showTrade = useCallback(
    (r: ShownRun, trade: ReportTrade, index: number) => {
      setRun(r);
      setShown({ run: r.id, index });
      // From an hour before the entry, but not before that day's open (a time without a bar would
      // pull the previous day in), to half an hour after the exit.
      const open = Date.parse(`${trade.entryTime.slice(0, 10)}T09:30:00${trade.entryTime.slice(19)}`);
      const from = Math.max(Date.parse(trade.entryTime) - FOCUS_BEFORE_MS, open);
      setFocus((f) => ({ symbol: r.result.symbol, from, to: Date.parse(trade.exitTime) + FOCUS_AFTER_MS, seq: (f?.seq ?? 0) + 1 }));
      jump(r.result.symbol, jumpFor(trade));
    },
    [jump],
  );
  return { fills, levels, shown, focus, showTrade, setLiveLevels };
}
