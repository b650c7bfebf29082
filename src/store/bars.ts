/**
 * BarsRepository — the stock/ETF bars in the SQLite store: vendor and live 1-minute
 * aggregates (minute_bars, with the minute_days catalogue of New York dates kept on insert),
 * the vendor's official daily aggregates (daily_bars), the bulk column reads of minutes
 * (minute-columns.ts) and the symbol catalogue built from them. Tables: migrations 1 and 4
 * (minute_blocks).
 *
 * The store keeps vendor minutes and dailies only; every other timeframe is derived in
 * src/bars, which is the single writer of each series.
 */
import type Database from 'better-sqlite3';
import type { DailyAggregate, IsoDate, MinuteAggregate } from '../core/types.js';
import { nyDate } from '../calendar/index.js';
import { AggregateTable, counts } from './aggregate-table.js';
import { MinuteColumnReader, type MinuteColumnsRead } from './minute-columns.js';
import type { SymbolSummary, UpsertCounts } from './types.js';

export class BarsRepository {
  private readonly minute: AggregateTable;
  private readonly daily: AggregateTable;
  private readonly s;
  private columnReader: MinuteColumnReader | undefined;

  constructor(private readonly db: Database.Database) {
    this.minute = new AggregateTable(db, 'minute_bars');
    this.daily = new AggregateTable(db, 'daily_bars');
    this.s = {
      addMinuteDays: db.prepare(
        `INSERT INTO minute_days (symbol, date, bars) VALUES (?, ?, ?)
         ON CONFLICT (symbol, date) DO UPDATE SET bars = bars + excluded.bars`,
      ),
      minuteDays: db.prepare('SELECT symbol, date, bars FROM minute_days ORDER BY symbol, date'),
      minuteSessions: db.prepare('SELECT date, symbol FROM minute_days WHERE bars > 0 ORDER BY date, symbol'),
      minuteDatesOf: db
        .prepare('SELECT date FROM minute_days WHERE symbol = ? AND date >= ? AND date <= ? AND bars > 0 ORDER BY date')
        .pluck(),
      firstMinute: db.prepare('SELECT start FROM minute_bars WHERE symbol = ? ORDER BY start ASC LIMIT 1').pluck(),
      lastMinute: db.prepare('SELECT start FROM minute_bars WHERE symbol = ? ORDER BY start DESC LIMIT 1').pluck(),
      firstDaily: db.prepare('SELECT start FROM daily_bars WHERE symbol = ? ORDER BY start ASC LIMIT 1').pluck(),
      lastDaily: db.prepare('SELECT start FROM daily_bars WHERE symbol = ? ORDER BY start DESC LIMIT 1').pluck(),
      // Skip-scan over the primary key: one index seek per distinct symbol instead of a
      // full scan of what can be millions of daily rows.
      dailySymbols: db
        .prepare(
          `WITH RECURSIVE s(symbol) AS (
             SELECT MIN(symbol) FROM daily_bars
             UNION ALL
             SELECT (SELECT MIN(symbol) FROM daily_bars WHERE symbol > s.symbol) FROM s WHERE s.symbol IS NOT NULL
           ) SELECT symbol FROM s WHERE symbol IS NOT NULL`,
        )
        .pluck(),
    };
  }

  private readonly upsertMinuteTx = (bars: readonly MinuteAggregate[]): UpsertCounts => {
    const c = counts();
    // New bars per (symbol, NY date), written to minute_days once per batch.
    const newPerDay = new Map<string, number>();
    for (const b of bars) {
      const outcome = this.minute.upsert(b);
      c[outcome]++;
      if (outcome === 'inserted') {
        const key = `${b.symbol}\u0000${nyDate(b.start)}`;
        newPerDay.set(key, (newPerDay.get(key) ?? 0) + 1);
      }
    }
    for (const [key, n] of newPerDay) {
      const [symbol, date] = key.split('\u0000') as [string, string];
      this.s.addMinuteDays.run(symbol, date, n);
    }
    return c;
  };

  upsertMinuteBars(bars: readonly MinuteAggregate[]): UpsertCounts {
    return this.db.transaction(this.upsertMinuteTx).immediate(bars);
  }

  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return this.minute.select(symbol, fromMs, toMs);
  }

  /** The same minutes as typed-array columns (src/store/minute-columns.ts): the bulk read path. */
  minuteColumns(symbol: string, fromMs: number, toMs: number): MinuteColumnsRead {
    return this.columns().read(symbol, fromMs, toMs);
  }

  /** Streams [from, to) day by day as column views on each day's block (valid during `visit`). */
  forEachMinuteDay(symbol: string, fromMs: number, toMs: number, visit: (day: MinuteColumnsRead) => void): void {
    this.columns().forEachDay(symbol, fromMs, toMs, visit);
  }

  private columns(): MinuteColumnReader {
    return (this.columnReader ??= new MinuteColumnReader(this.db));
  }

  upsertDailyBars(bars: readonly DailyAggregate[]): UpsertCounts {
    return this.db.transaction(() => {
      const c = counts();
      for (const b of bars) c[this.daily.upsert(b)]++;
      return c;
    }).immediate();
  }

  dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[] {
    return this.daily.select(symbol, fromMs, toMs);
  }

  symbols(): SymbolSummary[] {
    const bySymbol = new Map<string, SymbolSummary>();
    const summaryOf = (symbol: string): SymbolSummary => {
      let s = bySymbol.get(symbol);
      if (!s) {
        s = {
          symbol, minuteFrom: null, minuteTo: null, minuteBars: 0, minuteDates: [],
          hasVendorDaily: false, dailyFrom: null, dailyTo: null,
        };
        bySymbol.set(symbol, s);
      }
      return s;
    };
    for (const r of this.s.minuteDays.all() as { symbol: string; date: string; bars: number }[]) {
      const s = summaryOf(r.symbol);
      s.minuteDates.push(r.date);
      s.minuteBars += r.bars;
    }
    for (const s of bySymbol.values()) {
      s.minuteFrom = (this.s.firstMinute.get(s.symbol) as number | undefined) ?? null;
      s.minuteTo = (this.s.lastMinute.get(s.symbol) as number | undefined) ?? null;
    }
    for (const symbol of this.s.dailySymbols.all() as string[]) {
      const s = summaryOf(symbol);
      s.hasVendorDaily = true;
      s.dailyFrom = (this.s.firstDaily.get(symbol) as number | undefined) ?? null;
      s.dailyTo = (this.s.lastDaily.get(symbol) as number | undefined) ?? null;
    }
    return [...bySymbol.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  minuteSessions(): { date: IsoDate; symbols: string[] }[] {
    const out: { date: IsoDate; symbols: string[] }[] = [];
    for (const r of this.s.minuteSessions.all() as { date: string; symbol: string }[]) {
      const last = out.at(-1);
      if (last?.date === r.date) last.symbols.push(r.symbol);
      else out.push({ date: r.date, symbols: [r.symbol] });
    }
    return out;
  }

  minuteDates(symbol: string, fromDate: IsoDate, toDate: IsoDate): IsoDate[] {
    return this.s.minuteDatesOf.all(symbol, fromDate, toDate) as IsoDate[];
  }
}
