/**
 * Options mode: the strategy trades the underlying's signals with options. It subscribes to
 * the runner's fill events (runner.ts `RunnerHooks`): the underlying keeps its position and
 * exit rules, and this layer buys a contract when the underlying's entry fills and sells it
 * when the underlying's exit fills (or earlier, on the option's own bid, when
 * `optionStopPct`/`optionTargetPct` are set: the underlying's stop and target are then not
 * watched, its flat time still is).
 *
 * - The contract: src/options/picker.ts over the chain at the entry instant (quotes at or
 *   before it), long → call, short → put.
 * - Quotes: the session's RECORDED quotes when the store has any for the underlying that day,
 *   else MODEL quotes (src/options/service/model.ts: Black-Scholes at the underlying's realized
 *   volatility from minutes before the instant), labelled MODEL on every trade and the report.
 * - Fills: bought at the ask of the contract's first recorded quote at/after the entry minute
 *   (a quote without an ask is passed over), sold at the bid of the first at/after the exit
 *   minute; MODEL quotes are priced at the instant with the underlying's fill price. No bid
 *   to the close: the last standing bid if nothing was quoted after the exit, else $0 (said
 *   in `exitNote`). Exits on the option's bid fill at the bid of the quote that crossed.
 * - Money: prices × 100 per contract in integer cents; fees from src/core/fees.ts (ORF, OCC,
 *   TAF and SEC fee on the sale), as the paper broker charges them.
 * - r = gross P&L ÷ premium paid (1 R = the premium, the most a long option can lose);
 *   MAE/MFE = the option's worst/best bid against the entry ask while held ($ per share).
 */
import { formatNyIso } from '../calendar/index.js';
import { contractCents, optionOrderFees } from '../core/fees.js';
import type { OptionQuote } from '../core/types.js';
import { lastIndexAtOrBefore, type ChainExpiration, type ChainRow, type ContractSeries } from '../options/chain.js';
import { expirationCloseMs, intrinsicValue, yearsToExpiry } from '../options/metrics.js';
import { modelChainQuotes } from '../options/model-quotes.js';
import { parseOptionTicker, type OptionContract } from '../core/occ.js';
import { pickContract, type PickResult } from '../options/picker.js';
import { defaultRiskFreeRate } from '../options/rates.js';
import { ModelChainSource } from '../options/sources/model.js';
import { loadRecordedBook, type RecordedBook, type RecordedOptionData } from '../options/sources/recorded.js';
import type { ChainContext } from '../options/sources/types.js';
import { copyDay, type DayColumns } from './minutes.js';
import type { EntryFill, RunnerHooks, TradeRecord } from './runner.js';
import type { OptionsModeParams } from './options-params.js';

export type QuoteSourceLabel = 'RECORDED' | 'MODEL';

/** Said wherever a report used MODEL quotes (JSON, CSV summary, HTML). */
export const MODEL_NOTICE = 'MODEL quotes: theoretical prices, not market quotes';

export interface OptionTradeDetail {
  contract: string;
  right: 'call' | 'put';
  strike: number;
  expiration: string;
  quoteSource: QuoteSourceLabel;
  /** Times of the quotes the option filled at (RECORDED: stamped at the minute's last millisecond). */
  entryQuoteTime: number;
  exitQuoteTime: number;
  entryAsk: number;
  exitBid: number;
  /** At the ask paid: call strike + ask, put strike − ask. */
  breakEven: number;
  underlyingEntry: number;
  underlyingExit: number;
  /** Why this contract (the picker's reason). */
  pick: string;
  /** Set when the exit was not a plain bid (no bid to the close, settled at expiration). */
  exitNote: string | null;
}

/** An option round trip: prices are the option's (per share), qty in contracts, stop/target the underlying's. */
export interface OptionTradeRecord extends TradeRecord {
  option: OptionTradeDetail;
}

interface OpenOption {
  contract: OptionContract;
  ticker: string;
  source: QuoteSourceLabel;
  series: ContractSeries | null;
  entryAsk: number;
  entryQuoteTime: number;
  pick: string;
  underlyingEntry: number;
  /** Next recorded quote not yet looked at (after the entry quote). */
  cursor: number;
  minBid: number;
  maxBid: number;
  /** Set by an exit on the option's bid; the underlying closes at the next minute's open. */
  exit: { time: number; bid: number; reason: string } | null;
}

interface ModelFeed {
  /** Previous sessions' minutes (at most one) and today's, for realized volatility. */
  days: DayColumns[];
  closes: number[];
}

export class OptionsMode {
  readonly trades: OptionTradeRecord[] = [];
  readonly hooks: RunnerHooks;
  readonly quoteSources = { RECORDED: 0, MODEL: 0 };
  private day!: DayColumns;
  /** undefined: not read yet today; null: nothing recorded for the session. */
  private book: RecordedBook | null | undefined;
  private open: OpenOption | null = null;
  private readonly feed: ModelFeed = { days: [], closes: [] };
  private readonly model: ModelChainSource;

  constructor(private readonly symbol: string, private readonly params: OptionsModeParams, private readonly data: RecordedOptionData | null) {
    const feed = this.feed;
    this.model = new ModelChainSource({
      minuteBars(_u, fromMs, toMs) {
        const out: { start: number; close: number }[] = [];
        for (const d of feed.days) for (let i = 0; i < d.n; i++) if (d.start[i]! >= fromMs && d.start[i]! < toMs) out.push({ start: d.start[i]!, close: d.close[i]! });
        return out;
      },
      dailyCloses: () => feed.closes.slice(),
    });
    this.hooks = {
      onDay: (d) => this.onDay(d),
      onEntryFill: (f) => this.onEntryFill(f),
      exitAt: (i, t) => this.exitAt(i, t),
      onExitFill: (t) => this.onExitFill(t),
    };
  }

  /** Whether the option's bid decides exits (the runner then leaves the underlying's stop/target alone). */
  get exitsOnOptionBid(): boolean {
    return this.params.optionStopPct > 0 || this.params.optionTargetPct > 0;
  }

  private onDay(d: DayColumns): void {
    const prev = this.feed.days.at(-1);
    if (prev) {
      this.feed.closes.push(prev.close[prev.n - 1]!);
      if (this.feed.closes.length > 21) this.feed.closes.shift();
    }
    // Realized volatility looks back to the previous session's open: keep that day and today.
    this.feed.days = prev ? [prev, copyDay(d)] : [copyDay(d)];
    this.day = d;
    this.book = undefined;
    this.open = null;
    this.model.reset();
  }

  private recorded(): RecordedBook | null {
    if (this.book === undefined) this.book = this.data ? loadRecordedBook(this.data, this.symbol, this.day.session.date) : null;
    return this.book;
  }

  private ctx(at: number, spot: number): ChainContext {
    const session = this.day.session.date;
    return { underlying: this.symbol, at, session, underlyingPrice: spot, rate: defaultRiskFreeRate(session) };
  }

  private onEntryFill(f: EntryFill): string | null {
    const p = this.params;
    const ctx = this.ctx(f.time, f.price);
    const book = this.recorded();
    const pick = pickOptionAt(book, this.model, ctx, f.side, p);
    if (!pick.ok) return pick.why;
    const contract = parseOptionTicker(pick.row.ticker);
    let entryAsk = pick.ask;
    let entryQuoteTime = f.time;
    let series: ContractSeries | null = null;
    let cursor = 0;
    if (book) {
      series = book.index.contract(pick.row.ticker)!;
      const i = firstQuote(series, f.time, expirationCloseMs(contract.expiration), 'ask');
      if (i < 0) return `no contract: ${pick.row.ticker} has no ask quoted from ${hhmm(f.time)} to its close`;
      entryAsk = series.quotes[i]!.ask!;
      entryQuoteTime = series.quotes[i]!.ts;
      cursor = i + 1;
      if (p.budget > 0 && entryAsk * 100 * p.contracts > p.budget + 1e-9) {
        return `no contract: ${pick.row.ticker} asked $${pick.ask.toFixed(2)} at the decision, but its first quote at/after ${hhmm(f.time)} asks $${entryAsk.toFixed(2)}, over the $${p.budget.toFixed(2)} budget for ${p.contracts}`;
      }
    }
    const model = book ? null : this.model.vol(ctx);
    this.open = {
      contract, ticker: pick.row.ticker, source: book ? 'RECORDED' : 'MODEL', series, entryAsk, entryQuoteTime,
      pick: model ? `${pick.reason}; MODEL σ ${(model.vol * 100).toFixed(1)}% (${model.basis})` : pick.reason, underlyingEntry: f.price, cursor, minBid: Infinity, maxBid: -Infinity, exit: null,
    };
    return null;
  }

  /** The option's stop/target on its bid, checked on what was quoted before minute `i` starts. */
  private exitAt(i: number, t: number): string | null {
    const o = this.open;
    if (!o || o.exit) return null;
    const p = this.params;
    const stopAt = p.optionStopPct > 0 ? o.entryAsk * (1 - p.optionStopPct / 100) : -Infinity;
    const targetAt = p.optionTargetPct > 0 ? o.entryAsk * (1 + p.optionTargetPct / 100) : Infinity;
    const check = (bid: number, time: number): string | null => {
      if (bid < o.minBid) o.minBid = bid;
      if (bid > o.maxBid) o.maxBid = bid;
      const reason = bid <= stopAt + 1e-9 ? 'option-stop' : bid >= targetAt - 1e-9 ? 'option-target' : null;
      if (reason) o.exit = { time, bid, reason };
      return reason;
    };
    if (o.series) {
      const { quotes } = o.series;
      while (o.cursor < quotes.length && quotes[o.cursor]!.ts < t) {
        const q = quotes[o.cursor++]!;
        if (q.bid !== null && check(q.bid, q.ts)) return o.exit!.reason;
      }
      return null;
    }
    const bid = this.modelBid(o, t, this.day.open[i]!);
    return bid === null ? null : check(bid, t);
  }

  private onExitFill(u: TradeRecord): void {
    const o = this.open;
    if (!o) throw new Error(`options mode: an underlying exit at ${formatNyIso(u.exitTime)} without an open option`);
    this.open = null;
    let exitBid: number;
    let exitQuoteTime: number;
    let exitNote: string | null = null;
    const closeMs = expirationCloseMs(o.contract.expiration);
    if (o.exit) {
      ({ bid: exitBid, time: exitQuoteTime } = o.exit);
    } else if (u.exitTime >= closeMs) {
      exitBid = intrinsicValue(o.contract.right, u.exitPrice, o.contract.strike);
      exitQuoteTime = closeMs;
      exitNote = `settled at expiration: intrinsic value against the underlying's ${u.exitPrice}`;
    } else if (o.series) {
      const { quotes } = o.series;
      for (; o.cursor < quotes.length && quotes[o.cursor]!.ts < u.exitTime; o.cursor++) {
        const b = quotes[o.cursor]!.bid;
        if (b !== null && b < o.minBid) o.minBid = b;
        if (b !== null && b > o.maxBid) o.maxBid = b;
      }
      // Never a sale before the purchase (the entry's first ask may come after the underlying's exit).
      const i = firstQuote(o.series, Math.max(u.exitTime, o.entryQuoteTime), closeMs, 'bid');
      const standing = quotes[o.cursor - 1];
      if (i >= 0) {
        exitBid = quotes[i]!.bid!;
        exitQuoteTime = quotes[i]!.ts;
      } else if (o.cursor >= quotes.length && standing && standing.bid !== null && standing.ts >= o.entryQuoteTime) {
        exitBid = standing.bid;
        exitQuoteTime = standing.ts;
        exitNote = `no quote after ${hhmm(u.exitTime)}: sold at the standing bid quoted ${hhmm(standing.ts)}`;
      } else {
        exitBid = 0;
        exitQuoteTime = u.exitTime;
        exitNote = `no bid quoted from ${hhmm(u.exitTime)} to the close: valued at $0.00`;
      }
    } else {
      const bid = this.modelBid(o, u.exitTime, u.exitPrice);
      exitBid = bid ?? 0;
      exitQuoteTime = u.exitTime;
      if (bid === null) exitNote = 'the model quotes no bid (under one tick): valued at $0.00';
    }
    const n = this.params.contracts;
    const askCents = contractCents(o.entryAsk);
    const bidCents = contractCents(exitBid);
    const feesCents = optionOrderFees('buy', n, askCents).totalCents + (bidCents > 0 ? optionOrderFees('sell', n, bidCents).totalCents : 0);
    const grossCents = n * (bidCents - askCents);
    const minBid = Math.min(o.minBid, exitBid);
    const maxBid = Math.max(o.maxBid, exitBid);
    this.quoteSources[o.source]++;
    this.trades.push({
      entryTime: u.entryTime, exitTime: u.exitTime, side: u.side, entryPrice: o.entryAsk, exitPrice: exitBid, stop: u.stop, target: u.target,
      qty: n, feesCents, pnlCents: grossCents - feesCents, r: (bidCents - askCents) / askCents,
      reasonIn: u.reasonIn, reasonOut: u.reasonOut,
      mae: round4(Math.max(0, o.entryAsk - minBid)), mfe: round4(Math.max(0, maxBid - o.entryAsk)),
      option: {
        contract: o.ticker, right: o.contract.right, strike: o.contract.strike, expiration: o.contract.expiration, quoteSource: o.source,
        entryQuoteTime: o.entryQuoteTime, exitQuoteTime, entryAsk: o.entryAsk, exitBid,
        breakEven: round4(o.contract.right === 'call' ? o.contract.strike + o.entryAsk : o.contract.strike - o.entryAsk),
        underlyingEntry: o.underlyingEntry, underlyingExit: u.exitPrice, pick: o.pick, exitNote,
      },
    });
  }

  /** The MODEL bid of the held contract at `at` with the underlying at `spot` (null: below a tick, or expired). */
  private modelBid(o: OpenOption, at: number, spot: number): number | null {
    if (yearsToExpiry(at, o.contract.expiration) <= 0) return null;
    const ctx = this.ctx(at, spot);
    const q = modelChainQuotes({
      underlying: o.contract.underlying, spot, at, vol: this.model.vol(ctx).vol, rate: ctx.rate,
      expirations: [o.contract.expiration], strikes: [o.contract.strike],
    }).find((x) => x.ticker === o.ticker);
    return q?.bid ?? null;
  }
}

/**
 * The contract options mode buys at `ctx.at` with the underlying at `ctx.underlyingPrice`:
 * the picker over the recorded chain (quotes at or before the instant) when `book` is given,
 * else over MODEL quotes. Shared by the backtester and the live engine (src/engine), so both
 * pick the same contract from the same inputs.
 */
export function pickOptionAt(book: RecordedBook | null, model: ModelChainSource, ctx: ChainContext, side: 'long' | 'short', p: OptionsModeParams): PickResult {
  let expirations: ChainExpiration[];
  let rowsOf: (e: string) => readonly ChainRow[];
  if (book) {
    expirations = book.index.expirations(ctx.at, ctx.underlyingPrice);
    rowsOf = (e) => book.index.snapshot({ at: ctx.at, underlyingPrice: ctx.underlyingPrice, rate: ctx.rate, expirations: [e], openInterest: book.openInterest }).rows;
  } else {
    expirations = model.expirationsAt(ctx);
    rowsOf = (e) => model.chainAt(ctx, e).rows;
  }
  return pickContract({
    side, underlyingPrice: ctx.underlyingPrice, expirations, rowsOf,
    rules: { expiration: p.expiration, deltaMin: p.deltaMin, deltaMax: p.deltaMax, maxSpread: p.maxSpreadPct / 100, minOpenInterest: p.minOpenInterest, budget: p.budget > 0 ? p.budget : null, contracts: p.contracts },
  });
}

/** Index of the contract's first quote at/after `from` (before `until`) with that side quoted, or −1. */
function firstQuote(series: ContractSeries, from: number, until: number, side: 'bid' | 'ask'): number {
  const { quotes } = series;
  // Quote times are whole milliseconds: the first at/after `from` follows the last at/before from − 1.
  for (let i = lastIndexAtOrBefore(series.ts, from - 1) + 1; i < quotes.length && quotes[i]!.ts < until; i++) if ((quotes[i] as OptionQuote)[side] !== null) return i;
  return -1;
}

const hhmm = (ms: number) => formatNyIso(ms).slice(11, 16);
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

