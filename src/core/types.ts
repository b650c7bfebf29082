/**
 * core/ — the types and pure helpers every layer shares. Nothing in here does I/O,
 * reads the clock or keeps state; if a module needs either, it belongs elsewhere.
 *
 * Time: every timestamp inside optdesk is epoch milliseconds UTC. Sessions and display
 * use America/New_York (see src/calendar).
 */

/** Chart timeframes. Intraday ones derive from 1-minute bars; 1D/1W from sessions. */
export const TIMEFRAMES = ['1m', '2m', '3m', '5m', '10m', '15m', '30m', '1h', '2h', '4h', '1D', '1W'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export const INTRADAY_TIMEFRAMES = ['1m', '2m', '3m', '5m', '10m', '15m', '30m', '1h', '2h', '4h'] as const;
export type IntradayTimeframe = (typeof INTRADAY_TIMEFRAMES)[number];

const INTRADAY_MINUTES: Record<IntradayTimeframe, number> = {
  '1m': 1, '2m': 2, '3m': 3, '5m': 5, '10m': 10, '15m': 15, '30m': 30, '1h': 60, '2h': 120, '4h': 240,
};

export function isTimeframe(value: unknown): value is Timeframe {
  return typeof value === 'string' && (TIMEFRAMES as readonly string[]).includes(value);
}

export function isIntraday(tf: Timeframe): tf is IntradayTimeframe {
  return tf !== '1D' && tf !== '1W';
}

/** Bucket length in minutes of an intraday timeframe. */
export function timeframeMinutes(tf: IntradayTimeframe): number {
  return INTRADAY_MINUTES[tf];
}

export const MINUTE_MS = 60_000;

/**
 * Where a bar's numbers came from.
 * - `live`: built from live trades/aggregates while the bar formed (may still change).
 * - `history`: a provider's historical 1-minute aggregate (REST or flat file).
 * - `derived`: computed by the bar engine from 1-minute bars (every timeframe above 1m).
 * - `vendor`: the provider's official daily aggregate for a closed session.
 */
export type BarSource = 'live' | 'history' | 'derived' | 'vendor';

/** Prices and volume of any aggregate: a bar, a 1-minute input, a bucket's running totals. */
export interface Ohlcv {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap?: number;
  /** Trade count when known. */
  trades?: number;
}

/**
 * Bars as parallel typed arrays, one index per bar (start in epoch ms): the shape the store's
 * bulk minute reads, the backtester's day blocks and the bar engine's storage share.
 */
export interface OhlcvColumns {
  start: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** A bar is identified by (symbol, timeframe, start); those live on the series it belongs to. */
export interface Bar extends Ohlcv {
  /** Bucket start, epoch ms. Daily/weekly bars start at 00:00 America/New_York. */
  start: number;
  /** Final: the bucket's time is over. A closed bar can still be replaced by the provider's final aggregate. */
  closed: boolean;
  source: BarSource;
}

/**
 * Whether an aggregate came from the live stream or from a history request: the bar
 * engine's merge policy lets a history aggregate replace a live-built bar only once closed.
 */
export type AggregateOrigin = 'live' | 'history';

/** One 1-minute aggregate as a feed or importer delivers it. */
export interface MinuteAggregate extends Ohlcv {
  symbol: string;
  start: number;
}

/** One daily aggregate from the vendor (`day_aggs_v1` or REST `/v2/aggs/.../1/day`). */
export interface DailyAggregate extends MinuteAggregate {}

/** One trade print. */
export interface Trade {
  symbol: string;
  ts: number;
  price: number;
  size: number;
}

/**
 * One NBBO quote for an option contract. A missing side is `null`, never 0:
 * far out-of-the-money contracts often have no bid.
 */
export interface OptionQuote {
  /** Massive/OCC ticker, e.g. `O:GOOG151224C00750000`. */
  ticker: string;
  ts: number;
  bid: number | null;
  bidSize: number | null;
  ask: number | null;
  askSize: number | null;
  sequence?: number;
}

/** Trading-day string `YYYY-MM-DD` in America/New_York. */
export type IsoDate = string;

export const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
