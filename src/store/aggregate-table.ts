/**
 * The row shape three tables share (minute_bars, daily_bars, option_minute_bars) and its
 * upsert: "INSERT OR IGNORE, then UPDATE only if a value differs". A fresh import costs one
 * statement per row, and the two `changes` counts tell inserted / updated / unchanged apart
 * without reading the row first. Used by the bar and option repositories.
 */
import type Database from 'better-sqlite3';
import type { MinuteAggregate } from '../core/types.js';
import type { UpsertCounts } from './types.js';

export type AggregateTableName = 'minute_bars' | 'daily_bars' | 'option_minute_bars';

export interface AggregateRow {
  symbol: string;
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number | null;
  trades: number | null;
}

export function counts(): UpsertCounts {
  return { inserted: 0, updated: 0, unchanged: 0 };
}

export function rowToAggregate(r: AggregateRow): MinuteAggregate {
  const agg: MinuteAggregate = {
    symbol: r.symbol,
    start: r.start,
    open: r.open,
    high: r.high,
    low: r.low,
    close: r.close,
    volume: r.volume,
  };
  if (r.vwap !== null) agg.vwap = r.vwap;
  if (r.trades !== null) agg.trades = r.trades;
  return agg;
}

/** Prepared statements for one of the tables that share the aggregate shape. */
export class AggregateTable {
  private readonly insert: Database.Statement;
  private readonly update: Database.Statement;
  private readonly range: Database.Statement;

  constructor(db: Database.Database, table: AggregateTableName) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO ${table} (symbol, start, open, high, low, close, volume, vwap, trades)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // IS NOT compares NULLs as values, so a vwap going from NULL to known counts as a change.
    this.update = db.prepare(
      `UPDATE ${table} SET open = @open, high = @high, low = @low, close = @close,
         volume = @volume, vwap = @vwap, trades = @trades
       WHERE symbol = @symbol AND start = @start
         AND (open IS NOT @open OR high IS NOT @high OR low IS NOT @low OR close IS NOT @close
              OR volume IS NOT @volume OR vwap IS NOT @vwap OR trades IS NOT @trades)`,
    );
    this.range = db.prepare(
      `SELECT symbol, start, open, high, low, close, volume, vwap, trades FROM ${table}
       WHERE symbol = ? AND start >= ? AND start < ? ORDER BY start`,
    );
  }

  /** Upserts one row; returns which of the three outcomes happened. Call inside a transaction. */
  upsert(b: MinuteAggregate): 'inserted' | 'updated' | 'unchanged' {
    const vwap = b.vwap ?? null;
    const trades = b.trades ?? null;
    if (this.insert.run(b.symbol, b.start, b.open, b.high, b.low, b.close, b.volume, vwap, trades).changes === 1) {
      return 'inserted';
    }
    const changed = this.update.run({
      symbol: b.symbol, start: b.start, open: b.open, high: b.high, low: b.low, close: b.close,
      volume: b.volume, vwap, trades,
    }).changes;
    return changed === 1 ? 'updated' : 'unchanged';
  }

  select(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return (this.range.all(symbol, fromMs, toMs) as AggregateRow[]).map(rowToAggregate);
  }
}
