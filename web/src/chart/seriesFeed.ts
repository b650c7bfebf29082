/**
 * SeriesFeed: the client half of the hub protocol for the ONE series the chart shows.
 *
 * The prototype's bugs came from late or out-of-order data being drawn into the wrong
 * series. The rules here make that impossible:
 * - every message is checked against the current (symbol, tf, extended, badPrints); anything else
 *   is a late message for a series we left and is dropped;
 * - after subscribing, nothing is drawn until that series' snapshot arrives;
 * - a delta is applied only if seq == last + 1; a smaller seq is a duplicate (dropped),
 *   a larger one is a gap → re-subscribe for a fresh snapshot. Deltas come one tick at a
 *   time in a `bars` batch (every series the socket watches; each is checked on its own,
 *   in order) or, from a server in the `per-series` mode, alone as `bar`;
 * - a delta's start must be ≥ the last bar's start (same start = the forming bar is
 *   replaced); a correction of an older, existing bar uses update(…, historicalUpdate);
 *   anything else (a bar that would be inserted in the middle) → re-snapshot.
 * The server is the single writer of the series (DESIGN.md principle 1); this class only
 * decides whether what arrives can be applied as is.
 */
import type { BarBatchMessage, BarMessage, HealthMessage, SeriesCoverage, SeriesHealth, SeriesKey, SnapshotMessage, WireBar } from '../../../src/wire/protocol.js';
import type { HubSocket } from '../socket.js';

export interface FeedSink {
  /** Replace everything with a snapshot. `switched` = first snapshot after a series switch. */
  reset(key: SeriesKey, bars: readonly WireBar[], switched: boolean): void;
  /** Apply one delta. `historical` = it corrects an existing bar before the last one. */
  apply(key: SeriesKey, bar: WireBar, index: number, historical: boolean): void;
  health(key: SeriesKey, health: SeriesHealth): void;
  /** A subscription was (re)sent and the chart is waiting for its snapshot. */
  loading(key: SeriesKey): void;
  /** The snapshot's history window and its sessions without data (replay), before `reset`. */
  coverage?(key: SeriesKey, coverage: SeriesCoverage | undefined): void;
}

export function sameSeries(a: SeriesKey | null, b: { symbol: string; tf: string; extended?: boolean; badPrints?: string } | null | undefined): boolean {
  return !!a && !!b && a.symbol === b.symbol && a.tf === b.tf && a.extended === (b.extended ?? false) && a.badPrints === (b.badPrints ?? 'hide');
}

function isValidBar(b: WireBar | undefined | null): b is WireBar {
  return (
    !!b &&
    Number.isFinite(b.start) &&
    Number.isFinite(b.open) &&
    Number.isFinite(b.high) &&
    Number.isFinite(b.low) &&
    Number.isFinite(b.close) &&
    Number.isFinite(b.volume)
  );
}

export class SeriesFeed {
  private key: SeriesKey | null = null;
  private seq = 0;
  private awaitingSnapshot = true;
  /** The first snapshot after a switch resets the visible range; later re-snapshots keep the user's view. */
  private switched = true;
  private bars: WireBar[] = [];
  /** Counts re-subscriptions caused by gaps, for the data-resyncs attribute and debugging. */
  resyncs = 0;

  constructor(
    private readonly socket: HubSocket,
    private readonly sink: FeedSink,
  ) {
    socket.on('snapshot', this.onSnapshot);
    socket.on('bar', this.onBar);
    socket.on('bars', this.onBars);
    socket.on('health', this.onHealth);
    // Fires on the first connect and on every reconnect: the server forgot our rooms.
    socket.on('connect', this.onConnect);
  }

  dispose(): void {
    if (this.key && this.socket.connected) this.socket.emit('unsubscribe', this.key);
    this.socket.off('snapshot', this.onSnapshot);
    this.socket.off('bar', this.onBar);
    this.socket.off('bars', this.onBars);
    this.socket.off('health', this.onHealth);
    this.socket.off('connect', this.onConnect);
    this.key = null;
  }

  current(): SeriesKey | null {
    return this.key;
  }

  currentBars(): readonly WireBar[] {
    return this.bars;
  }

  switchTo(key: SeriesKey): void {
    if (sameSeries(this.key, key)) return;
    if (this.key && this.socket.connected) this.socket.emit('unsubscribe', this.key);
    this.key = { ...key };
    this.switched = true;
    this.subscribe();
  }

  /** Ask for a fresh snapshot of the current series (gap, replay jump, reconnect). */
  resubscribe(resetView = false): void {
    if (!this.key) return;
    if (resetView) this.switched = true;
    this.subscribe();
  }

  private subscribe(): void {
    if (!this.key) return;
    this.awaitingSnapshot = true;
    this.sink.loading(this.key);
    // While disconnected, don't let socket.io buffer the emit: 'connect' re-subscribes,
    // and a buffered copy would produce a second, redundant snapshot.
    if (this.socket.connected) this.socket.emit('subscribe', this.key);
  }

  private readonly onConnect = (): void => {
    if (this.key) this.subscribe();
  };

  private readonly onSnapshot = (m: SnapshotMessage): void => {
    if (!this.key || !sameSeries(this.key, m)) return; // late snapshot of a series we left
    // Defensive: setData throws on unsorted or duplicate times; sort and keep the last per start.
    const byStart = new Map<number, WireBar>();
    for (const b of m.bars ?? []) if (isValidBar(b)) byStart.set(b.start, b);
    this.bars = [...byStart.values()].sort((a, b) => a.start - b.start);
    this.seq = m.seq;
    this.awaitingSnapshot = false;
    const switched = this.switched;
    this.switched = false;
    this.sink.coverage?.(this.key, m.coverage);
    this.sink.reset(this.key, this.bars, switched);
    if (m.health) this.sink.health(this.key, m.health);
  };

  private readonly onBar = (m: BarMessage): void => {
    if (!this.key || !sameSeries(this.key, m)) return; // late delta of a series we left
    if (this.awaitingSnapshot) return; // the coming snapshot already contains it
    if (m.seq <= this.seq) return; // duplicate or from before our snapshot
    if (m.seq !== this.seq + 1 || !isValidBar(m.bar)) {
      this.resyncs += 1;
      this.subscribe();
      return;
    }
    this.seq = m.seq;
    const bar = m.bar;
    const last = this.bars[this.bars.length - 1];
    if (!last || bar.start > last.start) {
      this.bars.push(bar);
      this.sink.apply(this.key, bar, this.bars.length - 1, false);
    } else if (bar.start === last.start) {
      this.bars[this.bars.length - 1] = bar;
      this.sink.apply(this.key, bar, this.bars.length - 1, false);
    } else {
      const i = this.indexOf(bar.start);
      if (i < 0) {
        // A bar that would be inserted mid-series: update() can't do it, a snapshot can.
        this.resyncs += 1;
        this.subscribe();
        return;
      }
      this.bars[i] = bar;
      this.sink.apply(this.key, bar, i, true);
    }
  };

  /** One tick's batch: this series' deltas in it, in order; after a gap the rest waits for the snapshot. */
  private readonly onBars = (m: BarBatchMessage): void => {
    for (const delta of m.bars ?? []) this.onBar(delta);
  };

  private readonly onHealth = (m: HealthMessage): void => {
    if (!this.key || !sameSeries(this.key, m)) return;
    this.sink.health(this.key, m.health);
  };

  private indexOf(start: number): number {
    let lo = 0;
    let hi = this.bars.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.bars[mid]!.start;
      if (s === start) return mid;
      if (s < start) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
