/**
 * The strategy API (DESIGN.md "Strategy API"): what a strategy may see and do. A strategy
 * never reads the wall clock and never talks to a broker: it reads the context's clock and
 * bars, keeps indicators from src/indicators, and expresses what it wants as intents.
 * Whoever drives it (the backtester today; replay and live later) decides how intents fill.
 */
import type { Session } from '../calendar/index.js';
import type { IntradayTimeframe } from '../core/types.js';
import type { IndicatorBar } from '../indicators/index.js';

/** A closed bar of one timeframe (regular session, aligned to the open). Valid during the callback only: copy what you keep. */
export type StrategyBar = IndicatorBar;

export type TradeSide = 'long' | 'short';

/**
 * Enter at the open of the first 1-minute bar starting at or after the clock of the
 * decision (never a price from the bar that triggered it).
 */
export interface EntryIntent {
  kind: 'entry';
  side: TradeSide;
  /** Protective stop price, or `stopDistance` from the (unknown yet) entry price. */
  stop?: number;
  stopDistance?: number;
  /** Target price, or `targetR` × R from the entry (R = |entry − stop|). Neither: no target. */
  target?: number;
  targetR?: number;
  /** Epoch ms: no fill in a minute starting at or after this (e.g. the session's flat time). */
  notAfter: number;
  /** Why: shown in the trade list (`orb-long`, `sweep-high` …). */
  reason: string;
}

/** Close the open position at the open of the next minute. */
export interface ExitIntent {
  kind: 'exit';
  reason: string;
}

export type Intent = EntryIntent | ExitIntent;

/** Levels for the chart: the opening range, a block's high/low, from `from` until `to` (epoch ms). */
export interface PublishedLevels {
  kind: 'levels';
  name: string;
  /** Session date YYYY-MM-DD. */
  date: string;
  from: number;
  to: number;
  high: number;
  low: number;
}

/** A setup the strategy saw (it may or may not have become a trade). */
export interface PublishedSetup {
  kind: 'setup';
  name: string;
  time: number;
  side: TradeSide;
  level: number;
}

export type Published = PublishedLevels | PublishedSetup;

export interface OpenPosition {
  side: TradeSide;
  entryTime: number;
  entryPrice: number;
  stop: number;
  target: number | null;
}

export interface StrategyContext {
  /** Now, epoch ms: the close of the bar being delivered or a timer's time. */
  now(): number;
  /** Today's session (calendar: open, close, early close). */
  session(): Session;
  /** The open position, or null. */
  position(): OpenPosition | null;
  /** Whether an entry is waiting for its fill. */
  pendingEntry(): boolean;
  /** Entries filled today. */
  tradesToday(): number;
  submit(intent: Intent): void;
  publish(item: Published): void;
  /** Calls `onTimer` once the clock reaches `at` (before any fill in the minute starting at `at`). */
  setTimer(at: number): void;
}

export interface Strategy {
  readonly name: string;
  /** Timeframes the strategy wants closed bars of (1m is always delivered first). */
  readonly timeframes: readonly IntradayTimeframe[];
  onSession(ctx: StrategyContext): void;
  onBar(ctx: StrategyContext, tf: IntradayTimeframe, bar: StrategyBar): void;
  onTimer(ctx: StrategyContext, at: number): void;
  /** After the session's last minute (day-level bookkeeping: ATR, relative volume history). */
  onSessionEnd(ctx: StrategyContext): void;
}
