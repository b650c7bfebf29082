/**
 * OptionDataRepository — option market data in the SQLite store: the contracts (parsed once
 * from their OCC tickers, created on first sight by any write), NBBO quotes, option 1-minute
 * aggregates and open interest. Tables: migration 1.
 *
 * Each write batch is one IMMEDIATE transaction; a ticker that is not an OCC option ticker
 * throws InputError and nothing of that batch is written.
 */
import type Database from 'better-sqlite3';
import type { IsoDate, MinuteAggregate, OptionQuote } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { AggregateTable, counts, rowToAggregate, type AggregateRow } from './aggregate-table.js';
import { parseOccTicker, type ListedOptionContract } from '../core/occ.js';
import type { OpenInterest, UpsertCounts } from './types.js';

/** Stored in the key when a quote has no sequence number (key columns cannot be NULL). */
const NO_SEQUENCE = -1;

interface QuoteRow {
  ticker: string;
  ts: number;
  sequence: number;
  bid: number | null;
  bid_size: number | null;
  ask: number | null;
  ask_size: number | null;
}

function rowToQuote(r: QuoteRow): OptionQuote {
  const q: OptionQuote = {
    ticker: r.ticker,
    ts: r.ts,
    bid: r.bid,
    bidSize: r.bid_size,
    ask: r.ask,
    askSize: r.ask_size,
  };
  if (r.sequence !== NO_SEQUENCE) q.sequence = r.sequence;
  return q;
}

export class OptionDataRepository {
  private readonly optionMinute: AggregateTable;
  /** ticker → option_contracts.id; contracts are few and hit on every quote. */
  private readonly contractIds = new Map<string, number>();
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.optionMinute = new AggregateTable(db, 'option_minute_bars');
    this.s = {
      contractId: db.prepare('SELECT id FROM option_contracts WHERE ticker = ?').pluck(),
      insertContract: db.prepare(
        'INSERT INTO option_contracts (ticker, underlying, expiration, strike, "right") VALUES (?, ?, ?, ?, ?)',
      ),
      contractsOf: db.prepare(
        `SELECT ticker, underlying, expiration, strike, "right" FROM option_contracts
         WHERE underlying = ? ORDER BY expiration, strike, "right", ticker`,
      ),
      underlyings: db.prepare('SELECT DISTINCT underlying FROM option_contracts ORDER BY underlying').pluck(),
      contractIdsOf: db.prepare('SELECT id, ticker FROM option_contracts WHERE underlying = ? ORDER BY id'),

      insertQuote: db.prepare(
        `INSERT OR IGNORE INTO option_quotes (contract_id, ts, sequence, bid, bid_size, ask, ask_size)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateQuote: db.prepare(
        `UPDATE option_quotes SET bid = @bid, bid_size = @bidSize, ask = @ask, ask_size = @askSize
         WHERE contract_id = @id AND ts = @ts AND sequence = @seq
           AND (bid IS NOT @bid OR bid_size IS NOT @bidSize OR ask IS NOT @ask OR ask_size IS NOT @askSize)`,
      ),
      quotesOfUnderlying: db.prepare(
        `SELECT c.ticker, q.ts, q.sequence, q.bid, q.bid_size, q.ask, q.ask_size
         FROM option_contracts c JOIN option_quotes q ON q.contract_id = c.id
         WHERE c.underlying = ? AND q.ts >= ? AND q.ts < ?
         ORDER BY q.ts, c.ticker, q.sequence`,
      ),
      quotesOfContract: db.prepare(
        `SELECT c.ticker, q.ts, q.sequence, q.bid, q.bid_size, q.ask, q.ask_size
         FROM option_contracts c JOIN option_quotes q ON q.contract_id = c.id
         WHERE c.ticker = ? AND q.ts >= ? AND q.ts < ?
         ORDER BY q.ts, q.sequence`,
      ),
      quotesOfContractId: db
        .prepare('SELECT ts, sequence, bid, bid_size, ask, ask_size FROM option_quotes WHERE contract_id = ? AND ts >= ? AND ts < ? ORDER BY ts, sequence')
        .raw(true),
      anyOptionQuote: db
        .prepare(
          `SELECT 1 FROM option_contracts c JOIN option_quotes q ON q.contract_id = c.id
           WHERE c.underlying = ? AND q.ts >= ? AND q.ts < ? LIMIT 1`,
        )
        .pluck(),
      optionMinutesOf: db.prepare(
        `SELECT b.symbol, b.start, b.open, b.high, b.low, b.close, b.volume, b.vwap, b.trades
         FROM option_contracts c JOIN option_minute_bars b ON b.symbol = c.ticker
         WHERE c.underlying = ? AND b.start >= ? AND b.start < ? ORDER BY b.start, b.symbol`,
      ),

      insertOi: db.prepare('INSERT OR IGNORE INTO open_interest (date, contract_id, oi) VALUES (?, ?, ?)'),
      updateOi: db.prepare('UPDATE open_interest SET oi = ? WHERE date = ? AND contract_id = ? AND oi IS NOT ?'),
      oiOfDate: db.prepare(
        `SELECT o.date, c.ticker, o.oi FROM open_interest o JOIN option_contracts c ON c.id = o.contract_id
         WHERE o.date = ? ORDER BY c.ticker`,
      ),
      oiOfUnderlying: db.prepare(
        `SELECT o.date, c.ticker, o.oi FROM option_contracts c JOIN open_interest o ON o.contract_id = c.id
         WHERE o.date = ? AND c.underlying = ? ORDER BY c.ticker`,
      ),
    };
  }

  /** The contract's row id, creating the contract on first sight. Call inside a transaction. */
  private contractIdOf(ticker: string): number {
    const cached = this.contractIds.get(ticker);
    if (cached !== undefined) return cached;
    let id = this.s.contractId.get(ticker) as number | undefined;
    if (id === undefined) {
      const c = parseOccTicker(ticker);
      if (!c) throw new InputError('ticker', `"${ticker}" is not an OCC option ticker like O:GOOG151224C00750000`);
      id = Number(this.s.insertContract.run(c.ticker, c.underlying, c.expiration, c.strike, c.right).lastInsertRowid);
    }
    this.contractIds.set(ticker, id);
    return id;
  }

  /** Runs one write batch; a rolled-back batch may have cached ids of contracts that were never committed. */
  private write(fn: () => UpsertCounts): UpsertCounts {
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      this.contractIds.clear();
      throw err;
    }
  }

  upsertOptionQuotes(quotes: readonly OptionQuote[]): UpsertCounts {
    return this.write(() => {
      const c = counts();
      for (const q of quotes) {
        const id = this.contractIdOf(q.ticker);
        const seq = q.sequence ?? NO_SEQUENCE;
        if (this.s.insertQuote.run(id, q.ts, seq, q.bid, q.bidSize, q.ask, q.askSize).changes === 1) {
          c.inserted++;
          continue;
        }
        const updated = this.s.updateQuote.run({
          id, ts: q.ts, seq, bid: q.bid, bidSize: q.bidSize, ask: q.ask, askSize: q.askSize,
        }).changes;
        c[updated === 1 ? 'updated' : 'unchanged']++;
      }
      return c;
    });
  }

  optionQuotes(underlying: string, fromMs: number, toMs: number): OptionQuote[] {
    return (this.s.quotesOfUnderlying.all(underlying, fromMs, toMs) as QuoteRow[]).map(rowToQuote);
  }

  contractQuotes(ticker: string, fromMs: number, toMs: number): OptionQuote[] {
    return (this.s.quotesOfContract.all(ticker, fromMs, toMs) as QuoteRow[]).map(rowToQuote);
  }

  optionQuotesByContract(underlying: string, fromMs: number, toMs: number): OptionQuote[] {
    const out: OptionQuote[] = [];
    // One primary-key range per contract, rows as arrays: no sort and no object per column.
    for (const c of this.s.contractIdsOf.all(underlying) as { id: number; ticker: string }[]) {
      for (const r of this.s.quotesOfContractId.all(c.id, fromMs, toMs) as [number, number, number | null, number | null, number | null, number | null][]) {
        const q: OptionQuote = { ticker: c.ticker, ts: r[0], bid: r[2], bidSize: r[3], ask: r[4], askSize: r[5] };
        if (r[1] !== NO_SEQUENCE) q.sequence = r[1];
        out.push(q);
      }
    }
    return out;
  }

  hasOptionQuotes(underlying: string, fromMs: number, toMs: number): boolean {
    return this.s.anyOptionQuote.get(underlying, fromMs, toMs) !== undefined;
  }

  upsertOptionMinuteBars(bars: readonly MinuteAggregate[]): UpsertCounts {
    return this.write(() => {
      const c = counts();
      for (const b of bars) {
        this.contractIdOf(b.symbol);
        c[this.optionMinute.upsert(b)]++;
      }
      return c;
    });
  }

  optionMinuteBars(ticker: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return this.optionMinute.select(ticker, fromMs, toMs);
  }

  optionMinuteBarsOf(underlying: string, fromMs: number, toMs: number): MinuteAggregate[] {
    return (this.s.optionMinutesOf.all(underlying, fromMs, toMs) as AggregateRow[]).map(rowToAggregate);
  }

  upsertOpenInterest(rows: readonly OpenInterest[]): UpsertCounts {
    return this.write(() => {
      const c = counts();
      for (const r of rows) {
        const id = this.contractIdOf(r.ticker);
        if (this.s.insertOi.run(r.date, id, r.openInterest).changes === 1) c.inserted++;
        else if (this.s.updateOi.run(r.openInterest, r.date, id, r.openInterest).changes === 1) c.updated++;
        else c.unchanged++;
      }
      return c;
    });
  }

  openInterest(date: IsoDate, underlying?: string): OpenInterest[] {
    const rows = (
      underlying === undefined ? this.s.oiOfDate.all(date) : this.s.oiOfUnderlying.all(date, underlying)
    ) as { date: string; ticker: string; oi: number }[];
    return rows.map((r) => ({ date: r.date, ticker: r.ticker, openInterest: r.oi }));
  }

  optionContracts(underlying: string): ListedOptionContract[] {
    return this.s.contractsOf.all(underlying) as ListedOptionContract[];
  }

  optionUnderlyings(): string[] {
    return this.s.underlyings.all() as string[];
  }
}
