/**
 * Model quotes: a priced chain for sessions with no recorded option quotes (the offline
 * demo, backtests on stock-only history). Every quote is theoretical — BSM at one flat
 * volatility taken from the underlying's recent realized volatility, rounded to listed
 * tick sizes around a modelled spread — and carries `model: true` so the API and UI can
 * label it MODEL. Never mix these into real-fill statistics.
 */
import { nyDate, previousSession, sessionOn, addDays } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import type { IsoDate, OptionQuote } from '../core/types.js';
import { bsmPrice } from './bsm.js';
import { yearsToExpiry } from './metrics.js';
import { formatOptionTicker, type OptionRight } from '../core/occ.js';

export interface ModelOptionQuote extends OptionQuote {
  model: true;
  /** The model's fair value the quote is built around. */
  theo: number;
  /** Volatility the quote was priced with. */
  vol: number;
}

/** Regular-session minutes per year (390 × 252): realized vol is measured in trading time. */
export const TRADING_MINUTES_PER_YEAR = 390 * 252;
export const TRADING_DAYS_PER_YEAR = 252;

/**
 * Annualised realized volatility from 1-minute closes (zero-mean, the usual definition).
 * Minutes with no trades are missing, so a return spanning k minutes counts as k minutes
 * of variance; gaps longer than `maxGapMinutes` (overnight, halts) are skipped because
 * their jumps are not intraday diffusion. Null with fewer than `minReturns` returns.
 */
export function realizedVolFromMinuteBars(
  bars: readonly { start: number; close: number }[],
  options: { maxGapMinutes?: number; minReturns?: number } = {},
): number | null {
  const maxGap = options.maxGapMinutes ?? 15;
  const minReturns = options.minReturns ?? 20;
  let sumSq = 0;
  let minutes = 0;
  let n = 0;
  for (let i = 1; i < bars.length; i++) {
    const prev = bars[i - 1]!;
    const cur = bars[i]!;
    const gap = (cur.start - prev.start) / 60_000;
    if (gap <= 0 || gap > maxGap || !(prev.close > 0) || !(cur.close > 0)) continue;
    const r = Math.log(cur.close / prev.close);
    sumSq += r * r;
    minutes += gap;
    n++;
  }
  return n < minReturns ? null : Math.sqrt((sumSq / minutes) * TRADING_MINUTES_PER_YEAR);
}

/** Annualised realized volatility from daily closes (zero-mean log returns × √252). Null with < 2 closes. */
export function realizedVolFromDailyCloses(closes: readonly number[]): number | null {
  let sumSq = 0;
  let n = 0;
  for (let i = 1; i < closes.length; i++) {
    const a = closes[i - 1]!;
    const b = closes[i]!;
    if (!(a > 0) || !(b > 0)) continue;
    const r = Math.log(b / a);
    sumSq += r * r;
    n++;
  }
  return n === 0 ? null : Math.sqrt((sumSq / n) * TRADING_DAYS_PER_YEAR);
}

/**
 * Minimum price increment of a listed option: $0.05 under $3, $0.10 at or above
 * (penny-pilot classes: $0.01 under $3, $0.05 above).
 */
export function optionTickSize(price: number, pennyPilot = false): number {
  if (pennyPilot) return price < 3 ? 0.01 : 0.05;
  return price < 3 ? 0.05 : 0.1;
}

/** Rounds to cents after tick arithmetic so 0.1 × 3 prints as 0.3. */
const cents = (x: number): number => Math.round(x * 100) / 100;

export interface SpreadModel {
  /** Width as a fraction of theoretical value. Default 0.05. */
  fractionOfTheo?: number;
  /** Width as a fraction of the underlying price (high-priced names quote wider). Default 0.0001. */
  fractionOfSpot?: number;
  /** Never narrower than this many ticks. Default 1. */
  minTicks?: number;
  pennyPilot?: boolean;
}

/**
 * Bid and ask around a theoretical value, on the tick grid: bid rounded down, ask up, so
 * bid ≤ theo ≤ ask. A bid that would be below one tick is no bid (null), as on real
 * far out-of-the-money contracts; the ask is at least one tick.
 */
export function modelBidAsk(theo: number, spot: number, spread: SpreadModel = {}): { bid: number | null; ask: number } {
  const pennyPilot = spread.pennyPilot ?? false;
  const tick = optionTickSize(theo, pennyPilot);
  const width = Math.max((spread.minTicks ?? 1) * tick, (spread.fractionOfTheo ?? 0.05) * theo, (spread.fractionOfSpot ?? 0.0001) * spot);
  const rawBid = theo - width / 2;
  const bidTick = optionTickSize(Math.max(rawBid, 0), pennyPilot);
  const bid = cents(Math.floor(rawBid / bidTick + 1e-9) * bidTick);
  const rawAsk = theo + width / 2;
  const askTick = optionTickSize(rawAsk, pennyPilot);
  const ask = cents(Math.max(Math.ceil(rawAsk / askTick - 1e-9) * askTick, askTick));
  return { bid: bid >= bidTick ? bid : null, ask };
}

/** Listed-style strike increment for an underlying price. */
export function strikeIncrement(spot: number): number {
  if (spot < 25) return 0.5;
  if (spot < 100) return 1;
  if (spot < 250) return 2.5;
  if (spot < 500) return 5;
  return 10;
}

/** `count` strikes on each side of the at-the-money strike, on the listed grid. */
export function modelStrikes(spot: number, count = 15): number[] {
  const inc = strikeIncrement(spot);
  const atm = Math.round(spot / inc) * inc;
  const out: number[] = [];
  for (let i = -count; i <= count; i++) {
    const k = Math.round((atm + i * inc) * 1000) / 1000;
    if (k > 0) out.push(k);
  }
  return out;
}

/**
 * The next `count` weekly expirations from `date` (inclusive, so a Friday gives a 0-DTE
 * expiry): Fridays, or the session before when a Friday is a holiday.
 */
export function modelExpirations(date: IsoDate, count = 4): IsoDate[] {
  const out: IsoDate[] = [];
  let day = date;
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  day = addDays(day, (5 - weekday + 7) % 7);
  while (out.length < count) {
    const expiry = sessionOn(day) ? day : previousSession(day).date;
    if (expiry >= date) out.push(expiry);
    day = addDays(day, 7);
  }
  return out;
}

export interface ModelChainInput {
  /** OCC root of the generated tickers, e.g. "SPY". */
  underlying: string;
  spot: number;
  /** Quote time (epoch ms); also the `now` of time-to-expiry. */
  at: number;
  /** Annual volatility to price with, e.g. from realizedVolFromMinuteBars. Floored at 5%. */
  vol: number;
  rate: number;
  dividendYield?: number;
  /** Default: modelExpirations(nyDate(at), 4). */
  expirations?: readonly IsoDate[];
  /** Default: modelStrikes(spot). */
  strikes?: readonly number[];
  spread?: SpreadModel;
  /** Size shown on each side. Default 10. */
  size?: number;
}

/** Calls and puts for every expiration × strike still open at `at`, as model quotes. */
export function modelChainQuotes(input: ModelChainInput): ModelOptionQuote[] {
  const { underlying, spot, at, rate } = input;
  if (!(spot > 0) || !Number.isFinite(spot)) throw new InputError('spot', `${spot} must be a positive price`);
  if (!(input.vol > 0) || !Number.isFinite(input.vol)) throw new InputError('vol', `${input.vol} must be a positive annual volatility like 0.25`);
  const vol = Math.max(input.vol, 0.05);
  const dividendYield = input.dividendYield ?? 0;
  const expirations = input.expirations ?? modelExpirations(nyDate(at), 4);
  const strikes = input.strikes ?? modelStrikes(spot);
  const size = input.size ?? 10;
  const out: ModelOptionQuote[] = [];
  for (const expiration of expirations) {
    const years = yearsToExpiry(at, expiration);
    if (years <= 0) continue;
    for (const strike of strikes) {
      for (const right of ['call', 'put'] as OptionRight[]) {
        const theo = bsmPrice({ right, spot, strike, years, vol, rate, dividendYield });
        const { bid, ask } = modelBidAsk(theo, spot, input.spread);
        out.push({
          ticker: formatOptionTicker({ underlying, expiration, right, strike }),
          ts: at,
          bid,
          bidSize: bid === null ? null : size,
          ask,
          askSize: size,
          model: true,
          theo,
          vol,
        });
      }
    }
  }
  return out;
}
