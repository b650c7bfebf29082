/**
 * Feed routing: the ChartHub holds the feed's only listener. This module turns the feed's
 * events into engine input (minutes, partial minutes, trades, clock moves) plus the
 * hub's bookkeeping (input times for health, status, resets, replay status), and forwards
 * what other server parts follow without owning the feed (FeedObserver: the OptionsHub,
 * QuotesHub, …), each observer isolated from the others' bugs.
 */
import type { DailyAggregate, OptionQuote, Timeframe } from '../core/types.js';
import type { BarEngine, BarDelta } from '../bars/index.js';
import type { FeedStatus, MarketDataFeed } from '../feeds/types.js';
import type { ReplayListener } from '../feeds/replay/feed.js';
import type { ReplayStatus, SeriesCoverage } from '../wire/protocol.js';

/** What a replay-capable feed offers beyond MarketDataFeed (ReplayFeed has all of it). */
export interface ReplayCapable {
  now(): number;
  replayStatus(): ReplayStatus | undefined;
  historyStart(): number;
  fetchDailyHistory(symbol: string): Promise<DailyAggregate[]>;
  noDataMessage(symbol: string): string | undefined;
  /** The series' history window and its sessions without data (see SeriesCoverage). */
  coverage?(symbol: string, tf: Timeframe): SeriesCoverage | undefined;
}

export function isReplayCapable(feed: MarketDataFeed): feed is MarketDataFeed & ReplayCapable {
  const f = feed as Partial<ReplayCapable>;
  return feed.kind === 'replay' && typeof f.now === 'function' && typeof f.replayStatus === 'function';
}

/**
 * Feed events other server parts (the OptionsHub) follow without owning the feed: the
 * ChartHub holds the feed's only listener and forwards these. Observers must not throw
 * (they are isolated anyway) and must be cheap: onClock fires for every replay event.
 */
export interface FeedObserver {
  onClock?(ms: number): void;
  onReset?(status: ReplayStatus): void;
  onQuote?(quote: OptionQuote): void;
  /** Every bar the engine changed (all series, watched or not), before it is fanned out. */
  onBar?(delta: BarDelta): void;
}

export class FeedObservers {
  private readonly observers = new Set<FeedObserver>();

  get size(): number {
    return this.observers.size;
  }

  /** Returns the unsubscribe. */
  add(observer: FeedObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  notify(call: (o: FeedObserver) => void): void {
    for (const o of this.observers) {
      try {
        call(o);
      } catch {
        // An observer's bug must not stop the charts.
      }
    }
  }
}

/** The hub's side of the routing. */
export interface FeedRouteTarget {
  /** The engine currently behind every chart (replaced on a replay reset). */
  engine(): BarEngine;
  /** Live feeds: move the engine clock to the wall clock before applying input. */
  tickLiveClock(): void;
  /** Input for `symbol` at `start` arrived; `completeMinute` = a finished live minute (gap counting). */
  noteInput(symbol: string, start: number, completeMinute: boolean): void;
  status(status: FeedStatus): void;
  /** The replay jumped backwards or changed session: rebuild before observers hear of it. */
  reset(): void;
  replayStatus(status: ReplayStatus): void;
}

export function feedListener(hub: FeedRouteTarget, observers: FeedObservers): ReplayListener {
  return {
    onMinute: (agg, origin) => {
      hub.tickLiveClock();
      hub.noteInput(agg.symbol, agg.start, origin === 'live');
      hub.engine().applyMinute(agg, origin);
    },
    onPartial: (agg) => {
      hub.tickLiveClock();
      hub.noteInput(agg.symbol, agg.start, false);
      hub.engine().applyPartial(agg);
    },
    onTrade: (trade) => {
      hub.tickLiveClock();
      hub.noteInput(trade.symbol, trade.ts, false);
      hub.engine().applyTrade(trade);
    },
    onStatus: (status) => hub.status(status),
    onClock: (ms) => {
      hub.engine().advanceClock(ms);
      observers.notify((o) => o.onClock?.(ms));
    },
    onReset: (status) => {
      hub.reset();
      observers.notify((o) => o.onReset?.(status));
    },
    onQuote: (quote) => observers.notify((o) => o.onQuote?.(quote)),
    onReplayStatus: (status) => hub.replayStatus(status),
  };
}
