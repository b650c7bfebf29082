/**
 * Bulk reads of stored minutes as typed-array columns: what the CLI's `bars`, the integrity
 * check and the coming backtester read, instead of one JavaScript object per row.
 *
 * Two paths, same answer:
 * - `rows`: one range query over minute_bars, `.raw()` rows copied into Float64Arrays
 *   (SQLite's per-row cost bounds it at a few million minutes a second);
 * - `blocks` (the default): minute_blocks caches each symbol-day as eight packed Float64
 *   columns (migration 2). A read fetches one BLOB per day and copies it into the result
 *   with `TypedArray.set`, i.e. memcpy. The triggers of migration 2 mark a day dirty whenever
 *   one of its minutes is inserted, updated or deleted; a read first rebuilds the dirty days
 *   of its range from their rows (and writes the blocks back), so a block is never stale.
 *   A read-only database still answers: dirty days are then built in memory only.
 *
 * Missing values follow the engine's columns: `vwap` and `trades` are NaN when unknown.
 */
import type Database from 'better-sqlite3';
import type { OhlcvColumns } from '../core/types.js';

const DAY_MS = 86_400_000;
/** Shift that puts every 04:00–20:00 New York minute on its New York date (see migration 2). */
const DAY_SHIFT_MS = 6 * 3_600_000;
const COLUMNS = 8; // start, open, high, low, close, volume, vwap, trades

/** One symbol's minutes in [from, to), ascending by start. */
export interface MinuteColumnsRead extends OhlcvColumns {
  symbol: string;
  length: number;
  /** NaN: no vwap. */
  vwap: Float64Array;
  /** NaN: no trade count. */
  trades: Float64Array;
}

/** The block day of a minute starting at `start` (epoch ms). */
export function blockDay(start: number): number {
  return Math.floor((start - DAY_SHIFT_MS) / DAY_MS);
}

function allocate(symbol: string, n: number): MinuteColumnsRead {
  // One buffer, eight views: one allocation per read.
  const buffer = new ArrayBuffer(n * COLUMNS * 8);
  const col = (k: number) => new Float64Array(buffer, k * n * 8, n);
  return {
    symbol, length: n,
    start: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5), vwap: col(6), trades: col(7),
  };
}

const FIELDS = ['start', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'trades'] as const;

export class MinuteColumnReader {
  private readonly rowsInRange: Database.Statement;
  private readonly blocksInRange: Database.Statement;
  private readonly dirtyInRange: Database.Statement;
  private readonly putBlock: Database.Statement;
  private readonly dropBlock: Database.Statement;
  private readonly clean: Database.Statement;
  private canWrite = true;

  constructor(private readonly db: Database.Database) {
    this.rowsInRange = db.prepare(
      `SELECT start, open, high, low, close, volume, vwap, trades FROM minute_bars
       WHERE symbol = ? AND start >= ? AND start < ? ORDER BY start`,
    ).raw();
    this.blocksInRange = db.prepare('SELECT day, n, data FROM minute_blocks WHERE symbol = ? AND day >= ? AND day <= ? ORDER BY day').raw();
    this.dirtyInRange = db.prepare('SELECT day FROM minute_blocks_dirty WHERE symbol = ? AND day >= ? AND day <= ?').pluck();
    this.putBlock = db.prepare('INSERT OR REPLACE INTO minute_blocks (symbol, day, n, data) VALUES (?, ?, ?, ?)');
    this.dropBlock = db.prepare('DELETE FROM minute_blocks WHERE symbol = ? AND day = ?');
    this.clean = db.prepare('DELETE FROM minute_blocks_dirty WHERE symbol = ? AND day = ?');
  }

  /** Row path: one range query, raw rows into preallocated-and-grown columns. */
  readRows(symbol: string, fromMs: number, toMs: number): MinuteColumnsRead {
    let cap = 1024;
    let cols = allocate(symbol, cap);
    let n = 0;
    for (const row of this.rowsInRange.iterate(symbol, fromMs, toMs) as IterableIterator<(number | null)[]>) {
      if (n === cap) {
        const bigger = allocate(symbol, (cap *= 2));
        for (const f of FIELDS) bigger[f].set(cols[f]);
        cols = bigger;
      }
      cols.start[n] = row[0]!;
      cols.open[n] = row[1]!;
      cols.high[n] = row[2]!;
      cols.low[n] = row[3]!;
      cols.close[n] = row[4]!;
      cols.volume[n] = row[5]!;
      cols.vwap[n] = row[6] ?? NaN;
      cols.trades[n] = row[7] ?? NaN;
      n++;
    }
    return trim(cols, n);
  }

  /** Block path: the range's minutes in one set of columns (one copy of each day's block). */
  read(symbol: string, fromMs: number, toMs: number): MinuteColumnsRead {
    const days: MinuteColumnsRead[] = [];
    let total = 0;
    this.forEachDay(symbol, fromMs, toMs, (day) => {
      days.push(day);
      total += day.length;
    });
    const out = allocate(symbol, total);
    let at = 0;
    for (const day of days) {
      for (const f of FIELDS) out[f].set(day[f], at);
      at += day.length;
    }
    return out;
  }

  /**
   * Streams the range day by day, ascending, without copying: each day's columns are views
   * on its block, valid during the call (what a backtester walking years of minutes wants).
   */
  forEachDay(symbol: string, fromMs: number, toMs: number, visit: (day: MinuteColumnsRead) => void): void {
    if (!(toMs > fromMs)) return;
    const firstDay = blockDay(fromMs);
    const lastDay = blockDay(toMs - 1);
    const rebuilt = new Map<number, Float64Array>();
    const dirty = this.dirtyInRange.all(symbol, firstDay, lastDay) as number[];
    if (dirty.length > 0) this.rebuild(symbol, dirty, rebuilt);
    const emit = (day: number, packed: Float64Array) => {
      const n = packed.length / COLUMNS;
      const starts = packed.subarray(0, n);
      // Clip the first and last day to [from, to).
      const lo = day === firstDay ? lowerBound(starts, fromMs) : 0;
      const hi = day === lastDay ? lowerBound(starts, toMs) : n;
      if (hi <= lo) return;
      const view = (k: number) => packed.subarray(k * n + lo, k * n + hi);
      visit({
        symbol, length: hi - lo,
        start: view(0), open: view(1), high: view(2), low: view(3), close: view(4), volume: view(5), vwap: view(6), trades: view(7),
      });
    };
    // Stored blocks and just-rebuilt ones, merged in day order (a rebuilt day replaces its stored block).
    const fresh = [...rebuilt.keys()].sort((a, b) => a - b);
    let f = 0;
    // All rows first: `visit` may use the same connection, which an open iterator would block.
    for (const [day, n, data] of this.blocksInRange.all(symbol, firstDay, lastDay) as [number, number, Buffer][]) {
      for (; f < fresh.length && fresh[f]! < day; f++) emit(fresh[f]!, rebuilt.get(fresh[f]!)!);
      if (rebuilt.has(day)) continue;
      emit(day, columnsOf(data, n));
    }
    for (; f < fresh.length; f++) emit(fresh[f]!, rebuilt.get(fresh[f]!)!);
  }

  /** Builds the blocks of `days` from their rows into `into`, and stores them unless the database is read-only. */
  private rebuild(symbol: string, days: number[], into: Map<number, Float64Array>): void {
    for (const day of days) {
      const from = day * DAY_MS + DAY_SHIFT_MS;
      const cols = this.readRows(symbol, from, from + DAY_MS);
      const packed = new Float64Array(cols.length * COLUMNS);
      FIELDS.forEach((f, k) => packed.set(cols[f], k * cols.length));
      into.set(day, packed);
    }
    if (!this.canWrite) return;
    try {
      this.db.transaction(() => {
        for (const day of days) {
          const packed = into.get(day)!;
          if (packed.length === 0) this.dropBlock.run(symbol, day);
          else this.putBlock.run(symbol, day, packed.length / COLUMNS, Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength));
          this.clean.run(symbol, day);
        }
      })();
    } catch (err) {
      // A read-only database still answers, from rows; only the cache is skipped.
      if ((err as { code?: string }).code === 'SQLITE_READONLY') this.canWrite = false;
      else throw err;
    }
  }
}

/** A BLOB's bytes as Float64s (copied when SQLite's buffer is not 8-byte aligned). */
function columnsOf(data: Buffer, n: number): Float64Array {
  if (data.byteLength !== n * COLUMNS * 8) throw new Error(`minute block of ${n} minutes has ${data.byteLength} bytes`);
  if (data.byteOffset % 8 === 0) return new Float64Array(data.buffer, data.byteOffset, n * COLUMNS);
  return new Float64Array(new Uint8Array(data).buffer);
}

function trim(cols: MinuteColumnsRead, n: number): MinuteColumnsRead {
  if (n === cols.length) return cols;
  const out = allocate(cols.symbol, n);
  for (const f of FIELDS) out[f].set(cols[f].subarray(0, n));
  return out;
}

function lowerBound(a: Float64Array, t: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
