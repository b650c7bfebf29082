/**
 * The Scanner: one SymbolState per symbol, refreshed incrementally.
 *
 * `refresh(symbols, at)` pulls from a BarReader: a symbol seen before in the same session
 * only gets the minutes that completed since its last refresh (the last one re-fed, so a
 * re-sent minute revises it); a new session, a clock that went backwards (replay jump) or a
 * state older than REBUILD_MS (to absorb providers' late corrections of older minutes) is
 * rebuilt from history. `applySnapshot()` is the live path: one Massive snapshot = one new
 * minute per ticker. `scan()` = refresh + filter + sort + top N.
 */
import { type Session, sessionAt, previousSession, nyDate } from '../calendar/index.js';
import { MINUTE_MS } from '../core/types.js';
import { SymbolState, type BarReader, type SymbolStateOptions } from '../indicators/index.js';
import type { OptionLiquidity, ScanRow } from './fields.js';
import { applySpec, type ScanSpec } from './filter.js';
import type { MarketSnapshot } from './massive-snapshot.js';

/** Option liquidity for a symbol at `at` (ATM call of the nearest expiration), or null where there is no chain. */
export type OptionLiquidityLookup = (symbol: string, at: number, spot: number) => Promise<OptionLiquidity | null>;

export interface ScannerOptions {
  reader: BarReader;
  options?: OptionLiquidityLookup;
  state?: SymbolStateOptions;
}

export interface ScanResult {
  at: number;
  /** Symbols asked for, and how many had any price at `at`. */
  universe: number;
  withData: number;
  rows: ScanRow[];
}

/** Rebuild from history at least this often, so late corrections to older minutes land. */
export const REBUILD_MS = 15 * MINUTE_MS;

interface Entry {
  state: SymbolState;
  builtAt: number;
  /** Start of the last minute fed, −∞ before any. */
  fedThrough: number;
  lastAt: number;
}

export class Scanner {
  private readonly entries = new Map<string, Entry>();
  private readonly optionCache = new Map<string, OptionLiquidity | null>();
  /** Counters for tests and the benchmark. */
  readonly counters = { rebuilds: 0, minutesFed: 0 };

  constructor(private readonly options: ScannerOptions) {}

  /** Forget every state (the replay jumped or changed session). */
  reset(): void {
    this.entries.clear();
    this.optionCache.clear();
  }

  /** Brings `symbols` up to `at` and returns their rows (symbols without any price are left out). */
  async refresh(symbols: readonly string[], at: number): Promise<{ rows: ScanRow[]; withData: number }> {
    await this.options.reader.prepare?.(symbols, at);
    const session = sessionAt(at) ?? previousSession(nyDate(at));
    const rows: ScanRow[] = [];
    for (const symbol of symbols) {
      const state = this.update(symbol, at, session);
      const f = state.fields(at);
      // A daily-only symbol stands for the last session that closed; during a session that is yesterday: not today's data.
      if (f.last === null || f.date !== session.date) continue;
      rows.push({ ...f, options: this.options.options ? await this.optionLiquidity(symbol, at, f.last) : null });
    }
    return { rows, withData: rows.length };
  }

  /** One scan: refresh `symbols` to `at`, then filter, sort and keep the top N. */
  async scan(symbols: readonly string[], at: number, spec: ScanSpec): Promise<ScanResult> {
    const { rows, withData } = await this.refresh(symbols, at);
    return { at, universe: symbols.length, withData, rows: applySpec(rows, spec) };
  }

  /** The live path: each snapshot ticker's latest minute and day totals; symbols new to the scanner are seeded from the snapshot. */
  applySnapshot(snapshots: readonly MarketSnapshot[], at: number): ScanRow[] {
    const session = sessionAt(at) ?? previousSession(nyDate(at));
    const rows: ScanRow[] = [];
    for (const snap of snapshots) {
      let entry = this.entries.get(snap.symbol);
      if (!entry || entry.state.session.date !== session.date) {
        entry = { state: SymbolState.seeded(snap.symbol, session, snap.prevDay, this.options.state), builtAt: at, fedThrough: -Infinity, lastAt: at };
        this.entries.set(snap.symbol, entry);
      }
      const m = snap.minute;
      if (m && m.start >= entry.fedThrough) {
        entry.state.onMinute({ symbol: snap.symbol, ...m });
        entry.fedThrough = m.start;
        this.counters.minutesFed++;
      }
      entry.state.applyDay(snap.day);
      entry.lastAt = at;
      const f = entry.state.fields(at);
      if (f.last === null && snap.lastTrade === null) continue;
      rows.push({ ...f, last: f.last ?? snap.lastTrade, options: null });
    }
    return rows;
  }

  private update(symbol: string, at: number, session: Session): SymbolState {
    const entry = this.entries.get(symbol);
    const stale = !entry || entry.state.session.date !== session.date || at < entry.lastAt || at - entry.builtAt >= REBUILD_MS || entry.state.mode === 'daily';
    if (stale) {
      // Daily-mode states are cheap (no minutes) and must notice when a session closes: always rebuilt.
      const state = SymbolState.fromReader(this.options.reader, symbol, at, this.options.state);
      this.counters.rebuilds++;
      const fresh: Entry = { state, builtAt: at, fedThrough: at - MINUTE_MS, lastAt: at };
      this.entries.set(symbol, fresh);
      return state;
    }
    // Only the minutes completed since the last refresh, plus the last one again (it may have been revised).
    const from = Number.isFinite(entry.fedThrough) ? entry.fedThrough : entry.state.session.preOpen;
    const minutes = this.options.reader.minuteBars(symbol, from, at - MINUTE_MS + 1);
    for (const m of minutes) entry.state.onMinute(m);
    this.counters.minutesFed += minutes.length;
    if (minutes.length) entry.fedThrough = minutes[minutes.length - 1]!.start;
    entry.lastAt = at;
    return entry.state;
  }

  private async optionLiquidity(symbol: string, at: number, spot: number): Promise<OptionLiquidity | null> {
    if (!this.options.options) return null;
    const key = `${symbol}|${at - (at % MINUTE_MS)}`;
    if (this.optionCache.has(key)) return this.optionCache.get(key)!;
    let v: OptionLiquidity | null = null;
    try {
      v = await this.options.options(symbol, at, spot);
    } catch {
      v = null; // option data trouble never hides a stock from the scan
    }
    if (this.optionCache.size > 10_000) this.optionCache.clear();
    this.optionCache.set(key, v);
    return v;
  }
}
