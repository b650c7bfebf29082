/**
 * The read side the scanner, the checklist and the screener's CLI share: minute and vendor
 * daily bars by symbol, from the store (CLI), the recorded flat files (replay) or a live
 * provider. Reads are synchronous; a source that must fetch does it in `prepare()` first.
 */
import { sessionOn } from '../calendar/index.js';
import type { DailyAggregate, IsoDate, MinuteAggregate } from '../core/types.js';
import type { MarketStore } from '../store/types.js';

export interface BarReader {
  /** 1-minute bars (pre, regular and after-hours) with start in [fromMs, toMs), ascending. */
  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[];
  /** Vendor daily bars with start (00:00 New York) in [fromMs, toMs), ascending. */
  dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[];
  /** Every stock/ETF symbol the source knows. */
  symbols(): string[];
  /** Loads what the reads for `symbols` up to `asOf` will need (no-op for the store). */
  prepare?(symbols: readonly string[], asOf: number): Promise<void>;
}

/** The store as a BarReader. */
export function storeReader(store: MarketStore): BarReader {
  return {
    minuteBars: (s, f, t) => store.minuteBars(s, f, t),
    dailyBars: (s, f, t) => store.dailyBars(s, f, t),
    symbols: () => store.symbols().map((s) => s.symbol),
  };
}

/**
 * A session's closing price: the vendor's daily close when recorded (it includes the closing
 * auction), else the last regular-session minute's close; null when neither is known.
 */
export function sessionClose(reader: BarReader, symbol: string, date: IsoDate): number | null {
  const session = sessionOn(date);
  if (!session) return null;
  const daily = reader.dailyBars(symbol, session.midnight, session.midnight + 1);
  if (daily[0]) return daily[0].close;
  const minutes = reader.minuteBars(symbol, session.open, session.close);
  return minutes[minutes.length - 1]?.close ?? null;
}

/** First index with start ≥ ms in an ascending list. */
function lowerBound(list: readonly { start: number }[], ms: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.start < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bars held in memory (tests, the benchmark, sources that fetched ahead), sorted once per symbol. */
export class MemoryBarReader implements BarReader {
  private readonly minutes = new Map<string, MinuteAggregate[]>();
  private readonly daily = new Map<string, DailyAggregate[]>();

  constructor(minutes: Iterable<MinuteAggregate> = [], daily: Iterable<DailyAggregate> = []) {
    this.add(minutes, daily);
  }

  add(minutes: Iterable<MinuteAggregate>, daily: Iterable<DailyAggregate> = []): this {
    const touched = new Set<MinuteAggregate[]>();
    for (const [source, target] of [[minutes, this.minutes], [daily, this.daily]] as const) {
      for (const b of source) {
        let list = target.get(b.symbol);
        if (!list) target.set(b.symbol, (list = []));
        list.push(b);
        touched.add(list);
      }
    }
    for (const list of touched) list.sort((a, b) => a.start - b.start);
    return this;
  }

  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
    const list = this.minutes.get(symbol) ?? [];
    return list.slice(lowerBound(list, fromMs), lowerBound(list, toMs));
  }

  dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[] {
    const list = this.daily.get(symbol) ?? [];
    return list.slice(lowerBound(list, fromMs), lowerBound(list, toMs));
  }

  symbols(): string[] {
    return [...new Set([...this.minutes.keys(), ...this.daily.keys()])].sort();
  }
}
