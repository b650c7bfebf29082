/**
 * ModelChainSource: a priced chain for sessions with no recorded option quotes (the
 * 2013-10 SPY/AIG/BAC replays). Strikes and weekly expirations come from model-quotes.ts,
 * quotes are BSM at one flat σ — the underlying's realized volatility from the bars the
 * chart already has (minutes before `at`, else daily closes before the session: never
 * the future) — and every row is `model: true`.
 *
 * Strikes are fixed per (session, underlying) from the first price seen, so rows do not
 * appear and disappear as the price drifts during the day.
 */
import { previousSession } from '../../calendar/index.js';
import type { IsoDate } from '../../core/types.js';
import { OptionChainIndex, atTheMoneyStrike, type ChainExpiration, type ChainSnapshot } from '../../options/chain.js';
import { daysToExpiry, yearsToExpiry } from '../../options/metrics.js';
import { bsmGreeks } from '../../options/bsm.js';
import { modelChainQuotes, modelExpirations, modelStrikes, realizedVolFromDailyCloses, realizedVolFromMinuteBars } from '../../options/model-quotes.js';
import type { ChainContext, ChainSource } from './types.js';

/** What the model needs from the chart side: bars up to the clock, nothing later. */
export interface UnderlyingHistory {
  /** Regular-session 1-minute bars with start in [fromMs, toMs), ascending. */
  minuteBars(underlying: string, fromMs: number, toMs: number): readonly { start: number; close: number }[];
  /** Daily closes of sessions that closed before `beforeMs`, ascending. */
  dailyCloses(underlying: string, beforeMs: number): number[];
}

/** σ when the history is too short to measure anything. */
export const FALLBACK_VOL = 0.25;
const DAILY_LOOKBACK = 21;

interface ModelBook {
  strikes: number[];
  expirations: IsoDate[];
}

export interface ModelVol {
  vol: number;
  basis: string;
}

export class ModelChainSource implements ChainSource {
  readonly kind = 'model' as const;
  private readonly books = new Map<string, ModelBook>();
  private readonly vols = new Map<string, ModelVol>();

  constructor(private readonly history: UnderlyingHistory) {}

  /** The model can price anything with a price; the service only asks when no real quotes exist. */
  async has(): Promise<boolean> {
    return true;
  }

  async expirations(ctx: ChainContext): Promise<ChainExpiration[]> {
    return this.expirationsAt(ctx);
  }

  async chain(ctx: ChainContext, expiration: IsoDate): Promise<ChainSnapshot> {
    return this.chainAt(ctx, expiration);
  }

  /** expirations(), synchronously (the backtester's options mode runs inside a synchronous day loop). */
  expirationsAt(ctx: ChainContext): ChainExpiration[] {
    const book = this.book(ctx);
    const out: ChainExpiration[] = [];
    for (const expiration of book.expirations) {
      const years = yearsToExpiry(ctx.at, expiration);
      if (years <= 0) continue;
      out.push({
        expiration,
        dte: daysToExpiry(ctx.at, expiration),
        years,
        contracts: book.strikes.length * 2,
        atmStrike: atTheMoneyStrike(book.strikes, ctx.underlyingPrice)!,
      });
    }
    return out;
  }

  /** chain(), synchronously. */
  chainAt(ctx: ChainContext, expiration: IsoDate): ChainSnapshot {
    const book = this.book(ctx);
    const { vol } = this.vol(ctx);
    const quotes = modelChainQuotes({
      underlying: ctx.underlying,
      spot: ctx.underlyingPrice,
      at: ctx.at,
      vol,
      rate: ctx.rate,
      expirations: [expiration],
      strikes: book.strikes,
    });
    const snap = OptionChainIndex.fromQuotes(quotes).snapshot({ at: ctx.at, underlyingPrice: ctx.underlyingPrice, rate: ctx.rate, expirations: [expiration] });
    // A model row's IV is the σ it was priced with. Inverting its tick-rounded bid/ask (wide
    // against a few cents of value far from the money) would print 134% next to a note saying
    // σ 11.7%; greeks follow the same σ, and a row with no bid still has the model's IV.
    const years = yearsToExpiry(ctx.at, expiration);
    return {
      ...snap,
      rows: snap.rows.map((r) => {
        const g = bsmGreeks({ right: r.right, spot: ctx.underlyingPrice, strike: r.strike, years, vol, rate: ctx.rate });
        return { ...r, iv: vol, ivReason: null, delta: g.delta, gamma: g.gamma, theta: g.theta, vega: g.vega };
      }),
    };
  }

  note(ctx: ChainContext): string {
    const { vol, basis } = this.vol(ctx);
    return `MODEL quotes, not market quotes: no option quotes are recorded for ${ctx.underlying} on ${ctx.session}, so every contract is priced with Black-Scholes at σ ${(vol * 100).toFixed(1)}% (${basis}).`;
  }

  reset(): void {
    this.books.clear();
    this.vols.clear();
  }

  /** σ at `ctx.at`: realized over the minutes before it, else over daily closes before the session. Cached per minute. */
  vol(ctx: ChainContext): ModelVol {
    const minute = Math.floor(ctx.at / 60_000);
    const key = `${ctx.underlying}|${minute}`;
    const hit = this.vols.get(key);
    if (hit) return hit;
    if (this.vols.size > 500) this.vols.clear();
    const from = previousSession(ctx.session).open;
    const bars = this.history.minuteBars(ctx.underlying, from, ctx.at - 60_000 + 1);
    const recent = bars.slice(-390);
    let result: ModelVol | undefined;
    const minuteVol = realizedVolFromMinuteBars(recent);
    if (minuteVol !== null && minuteVol > 0) result = { vol: minuteVol, basis: `realized over the last ${recent.length} one-minute bars` };
    if (!result) {
      const closes = this.history.dailyCloses(ctx.underlying, ctx.at).slice(-DAILY_LOOKBACK);
      const dailyVol = realizedVolFromDailyCloses(closes);
      if (dailyVol !== null && dailyVol > 0) result = { vol: dailyVol, basis: `realized over the last ${closes.length} daily closes` };
    }
    result ??= { vol: FALLBACK_VOL, basis: 'a default: too little history to measure realized volatility' };
    result.vol = Math.max(result.vol, 0.05);
    this.vols.set(key, result);
    return result;
  }

  private book(ctx: ChainContext): ModelBook {
    const key = `${ctx.session}|${ctx.underlying}`;
    let book = this.books.get(key);
    if (!book) {
      book = { strikes: modelStrikes(ctx.underlyingPrice), expirations: modelExpirations(ctx.session, 4) };
      this.books.set(key, book);
    }
    return book;
  }
}
