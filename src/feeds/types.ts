/**
 * The one interface every market-data feed implements (replay, Massive).
 * A feed delivers raw inputs — 1-minute aggregates, sub-minute aggregates, trades,
 * option quotes — and never builds bars itself: the bar engine (src/bars) is the single
 * writer of every series.
 */
import type { AggregateOrigin, MinuteAggregate, OptionQuote, Trade } from '../core/types.js';

/** A feed's connection state, in words a trader can act on. */
export interface FeedStatus {
  state: 'connecting' | 'live' | 'delayed' | 'replay' | 'degraded' | 'down';
  /** A plain sentence when something is wrong, e.g. "Massive says: not authorized for this cluster". */
  message?: string;
  /** Epoch ms of the last message received. */
  lastMessageAt?: number;
}

export interface FeedListener {
  /** A complete 1-minute aggregate (Massive `AM`, REST `/v2/aggs`, replay). May re-send an existing minute. */
  onMinute(agg: MinuteAggregate, origin: AggregateOrigin): void;
  /** A partial aggregate covering part of a minute (Massive per-second `A`). Optional. */
  onPartial?(agg: MinuteAggregate): void;
  onTrade?(trade: Trade): void;
  onQuote?(quote: OptionQuote): void;
  onStatus?(status: FeedStatus): void;
}

export interface MarketDataFeed {
  readonly kind: 'replay' | 'massive';
  start(listener: FeedListener): Promise<void>;
  stop(): Promise<void>;
  /** Start streaming live data for these symbols (stock tickers or `O:` option tickers). */
  subscribe(symbols: readonly string[]): void;
  unsubscribe(symbols: readonly string[]): void;
  /** 1-minute history in [fromMs, toMs), ascending. Rejects with a sentence on provider errors. */
  fetchMinuteHistory(symbol: string, fromMs: number, toMs: number): Promise<MinuteAggregate[]>;
  status(): FeedStatus;
}
