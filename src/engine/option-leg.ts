/**
 * OptionLeg — an instance in options mode (`instrument: 'options'`): the strategy's signals
 * are traded with options, as the backtester's options mode does (src/backtest/options-mode.ts).
 *
 * - The underlying's position is virtual: nothing in shares reaches the broker. It follows
 *   the bar fill rules (src/broker/bar-fills.ts) minute by minute in the backtest runner's
 *   order: the entry fills at the open of the first minute at/after the decision, then the
 *   exit the strategy asked for (at that minute's open) or the stop/target on its range.
 * - The contract: the backtester's picker (`pickOptionAt`) at the underlying's fill instant
 *   with its fill price (the minute's open), over the RECORDED chain when the store holds
 *   quotes of the underlying that day, else MODEL quotes (labelled).
 * - Orders: when the minute holding the underlying's entry (exit) has closed, a market buy
 *   (sell) of the contract goes through the trading desk (risk engine → paper broker), which
 *   fills it at the ask (bid) of the contract's latest quote at that instant. Recorded quotes
 *   are stamped at their minute's last millisecond, so that is the quote of the fill minute,
 *   the one the backtester uses, whenever the contract was quoted in that minute (else the
 *   standing quote before it, where the backtester takes the first one after).
 * - MODEL days are not sent in `auto`: the paper broker fills only on recorded quotes, and a
 *   theoretical price is no market; the signal says so.
 */
import { nyDate } from '../calendar/index.js';
import { bracketExit, lateEntryWhy, resolveEntry } from '../broker/bar-fills.js';
import { parseOptionTicker } from '../core/occ.js';
import type { RecordedOptionData, RecordedBook } from '../options/sources/recorded.js';
import { loadRecordedBook } from '../options/sources/recorded.js';
import { ModelChainSource, type UnderlyingHistory } from '../options/sources/model.js';
import { defaultRiskFreeRate } from '../options/rates.js';
import { pickOptionAt, type QuoteSourceLabel } from '../backtest/options-mode.js';
import type { OptionsModeParams } from '../backtest/options-params.js';
import type { EntryIntent, StrategyBar, TradeSide } from '../strategies/api.js';
import type { PickResult } from '../options/picker.js';

/** Where options mode reads quotes: the store's recorded option data and the underlying's history (MODEL). */
export interface OptionDataDeps {
  recorded: RecordedOptionData | null;
  history: UnderlyingHistory;
}

/** The underlying's virtual position (dollars). */
export interface VirtualPosition {
  side: TradeSide;
  entryTime: number;
  entryPrice: number;
  stop: number;
  target: number | null;
  reasonIn: string;
}

/** A contract chosen for an entry. */
export interface OptionPick {
  contract: string;
  quoteSource: QuoteSourceLabel;
  ask: number;
  breakEven: number;
  pick: string;
}

/** What a closed minute asks the engine to do with the option. */
export type LegAction =
  | { kind: 'buy'; pick: OptionPick; pos: VirtualPosition }
  | { kind: 'no-contract'; why: string; intent: EntryIntent }
  | { kind: 'dropped'; why: string; intent: EntryIntent }
  | { kind: 'sell'; pos: VirtualPosition; exitTime: number; exitPrice: number; reason: string };

export class OptionLeg {
  pos: VirtualPosition | null = null;
  entry: { intent: EntryIntent; at: number } | null = null;
  exitReason: string | null = null;
  private book: { date: string; book: RecordedBook | null } | null = null;
  private readonly model: ModelChainSource;

  constructor(private readonly symbol: string, readonly params: OptionsModeParams, private readonly data: OptionDataDeps) {
    this.model = new ModelChainSource(data.history);
  }

  /** Today's recorded chain, or null (MODEL quotes then). Loaded once per session. */
  private recorded(date: string): RecordedBook | null {
    if (this.book?.date !== date) {
      this.book = { date, book: this.data.recorded ? loadRecordedBook(this.data.recorded, this.symbol, date) : null };
      this.model.reset();
    }
    return this.book.book;
  }

  /** The contract for a `side` entry at `at` with the underlying at `price` (the backtester's picker and quote source). */
  pick(at: number, side: TradeSide, price: number): { ok: true; pick: OptionPick } | { ok: false; why: string } {
    const date = nyDate(at);
    const book = this.recorded(date);
    const ctx = { underlying: this.symbol, at, session: date, underlyingPrice: price, rate: defaultRiskFreeRate(date) };
    const r: PickResult = pickOptionAt(book, this.model, ctx, side, this.params);
    if (!r.ok) return r;
    const model = book ? null : this.model.vol(ctx);
    return {
      ok: true,
      pick: {
        contract: r.row.ticker, quoteSource: book ? 'RECORDED' : 'MODEL', ask: r.ask, breakEven: r.breakEven,
        pick: model ? `${r.reason}; MODEL σ ${(model.vol * 100).toFixed(1)}% (${model.basis})` : r.reason,
      },
    };
  }

  /** Break-even of a contract bought at `ask` per share. */
  static breakEven(contract: string, ask: number): number {
    const c = parseOptionTicker(contract);
    return Math.round((c.right === 'call' ? c.strike + ask : c.strike - ask) * 1e4) / 1e4;
  }

  /**
   * The closed 1-minute bar `bar`, in the runner's order: the pending entry fills at its open
   * (or is dropped), then the exit the strategy asked for (at the open) or the bracket.
   */
  onMinute(bar: StrategyBar): LegAction[] {
    const out: LegAction[] = [];
    const t = bar.start;
    if (this.entry) {
      const { intent } = this.entry;
      this.entry = null;
      const r = t >= intent.notAfter ? { ok: false as const, why: lateEntryWhy(intent.notAfter) } : resolveEntry(intent.side, bar.open, intent);
      if (!r.ok) out.push({ kind: 'dropped', why: r.why, intent });
      else {
        const p = this.pick(t, intent.side, bar.open);
        if (!p.ok) out.push({ kind: 'no-contract', why: p.why, intent });
        else {
          this.pos = { side: intent.side, entryTime: t, entryPrice: bar.open, stop: r.stop, target: r.target, reasonIn: intent.reason };
          this.exitReason = null;
          out.push({ kind: 'buy', pick: p.pick, pos: this.pos });
        }
      }
    }
    const pos = this.pos;
    if (pos) {
      const exit = this.exitReason !== null ? { price: bar.open, reason: this.exitReason } : bracketExit(pos.side, pos.stop, pos.target, bar.open, bar.high, bar.low);
      if (exit) out.push(this.close(t, exit.price, exit.reason));
    }
    return out;
  }

  /** The session ended with the position open: out at the last close, as the runner does. */
  onSessionEnd(lastMinute: StrategyBar | null): LegAction[] {
    this.entry = null;
    if (!this.pos || !lastMinute) return [];
    return [this.close(lastMinute.start + 60_000, lastMinute.close, 'session-end')];
  }

  private close(exitTime: number, exitPrice: number, reason: string): LegAction {
    const pos = this.pos!;
    this.pos = null;
    this.exitReason = null;
    return { kind: 'sell', pos, exitTime, exitPrice, reason };
  }
}
