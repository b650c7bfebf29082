/**
 * Drives one strategy over day blocks of 1-minute bars in `underlying` mode (shares) with
 * the fill rules. Everything a strategy can know at a decision comes from bars that
 * closed before it, so results cannot peek ahead (the look-ahead test checks that).
 *
 * Per minute m, in order:
 *   1. timeframe bars whose end ≤ m.start that were not delivered yet (a gap) are delivered;
 *      timers due by m.start fire;
 *   2. a waiting entry fills at m.open (cancelled when m starts at/after its `notAfter`, or
 *      when m.open is already at/beyond its stop or target); a waiting exit fills at m.open;
 *   3. the open position's stop and target are checked against m: the open first (beyond the
 *      stop → filled at the open; beyond the target → at the open), then the range, the stop
 *      before the target when the minute touches both (we cannot know which came first, so
 *      the pessimistic one counts); levels fill exactly at the level;
 *   4. m is delivered as a closed 1m bar (clock = m.start + 1 minute), then every timeframe
 *      bar it completes.
 * After the last minute the remaining bars/timers ≤ the close are delivered, and a position
 * still open (no minute at/after the flat time traded) closes at the last minute's close.
 *
 * Money is integer cents; prices are kept as integers of 1/10 000 dollar so P&L is exact.
 */
import { type Session } from '../calendar/index.js';
import { bracketExit, lateEntryWhy, resolveEntry } from '../broker/bar-fills.js';
import { stockOrderFees } from '../core/fees.js';
import { MINUTE_MS, timeframeMinutes, type IntradayTimeframe } from '../core/types.js';
import type { EntryIntent, Intent, OpenPosition, Published, Strategy, StrategyBar, StrategyContext, TradeSide } from '../strategies/api.js';
import type { DayColumns } from './minutes.js';

export interface TradeRecord {
  entryTime: number;
  exitTime: number;
  side: TradeSide;
  entryPrice: number;
  exitPrice: number;
  stop: number;
  target: number | null;
  qty: number;
  feesCents: number;
  /** Net of fees. */
  pnlCents: number;
  /** Gross move in R (per share, before fees). */
  r: number;
  reasonIn: string;
  reasonOut: string;
  /** Worst and best price excursion per share while open, in dollars (≥ 0). */
  mae: number;
  mfe: number;
}

export interface Decision {
  at: number;
  intent: Intent;
}

export interface SkippedEntry {
  at: number;
  reason: string;
  why: string;
}

interface Bucket extends StrategyBar {
  tf: IntradayTimeframe;
  width: number;
  /** Exclusive end (capped at the close); `start` −1: no bucket forming yet today. */
  end: number;
  delivered: boolean;
}

const E4 = 10_000;
const toE4 = (p: number) => Math.round(p * E4);

export interface RunnerOptions {
  qty: number;
  /** Keep every intent with its time (the look-ahead test compares them). */
  recordDecisions?: boolean;
}

/** One strategy instance over consecutive sessions; feed it days with `runDay`. */
export class BacktestRunner implements StrategyContext {
  readonly trades: TradeRecord[] = [];
  readonly published: Published[] = [];
  readonly decisions: Decision[] = [];
  readonly skipped: SkippedEntry[] = [];
  /** Minutes with a position open (for exposure). */
  minutesInMarket = 0;
  barsSeen = 0;

  private clock = 0;
  private today!: Session;
  private pos: (OpenPosition & { qty: number; reasonIn: string; worst: number; best: number; stopE4: number; targetE4: number }) | null = null;
  private entry: EntryIntent | null = null;
  private entryAt = 0;
  private exitReason: string | null = null;
  private entriesToday = 0;
  private timers: number[] = [];
  private readonly buckets: Bucket[];
  private readonly minuteBar: StrategyBar = { start: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };

  constructor(private readonly strategy: Strategy, private readonly opts: RunnerOptions) {
    this.buckets = strategy.timeframes
      .filter((tf) => tf !== '1m')
      .map((tf) => ({ tf, width: timeframeMinutes(tf) * MINUTE_MS, start: -1, end: -1, open: 0, high: 0, low: 0, close: 0, volume: 0, delivered: true }));
  }

  // ── StrategyContext ──
  now(): number { return this.clock; }
  session(): Session { return this.today; }
  position(): OpenPosition | null { return this.pos; }
  pendingEntry(): boolean { return this.entry !== null; }
  tradesToday(): number { return this.entriesToday; }
  publish(item: Published): void { this.published.push(item); }
  setTimer(at: number): void {
    this.timers.push(at);
    this.timers.sort((a, b) => a - b);
  }
  submit(intent: Intent): void {
    if (this.opts.recordDecisions) this.decisions.push({ at: this.clock, intent: { ...intent } });
    if (intent.kind === 'exit') {
      if (this.pos) this.exitReason = intent.reason;
      return;
    }
    if (this.pos || this.entry) return; // one position at a time
    this.entry = intent;
    this.entryAt = this.clock;
  }

  // ── the day loop ──
  runDay(day: DayColumns): void {
    const s = day.session;
    this.today = s;
    this.clock = s.open;
    this.entriesToday = 0;
    this.timers = [];
    this.entry = null;
    for (const b of this.buckets) {
      b.start = -1;
      b.delivered = true;
    }
    this.strategy.onSession(this);
    const { n, start, open, high, low, close, volume } = day;
    const mb = this.minuteBar;
    for (let i = 0; i < n; i++) {
      const t = start[i]!;
      if (this.buckets.length) this.flushBuckets(t);
      if (this.timers.length && this.timers[0]! <= t) this.fireTimers(t);
      const o = open[i]!;
      const h = high[i]!;
      const l = low[i]!;
      if (this.entry) this.fillEntry(t, o);
      const pos = this.pos;
      if (pos) {
        if (this.exitReason !== null) this.closePosition(t, o, this.exitReason);
        else this.checkExits(t, o, h, l);
        if (this.pos) {
          this.minutesInMarket++;
          this.track(h, l);
        }
      }
      mb.start = t;
      mb.open = o;
      mb.high = h;
      mb.low = l;
      mb.close = close[i]!;
      mb.volume = volume[i]!;
      this.clock = t + MINUTE_MS;
      this.strategy.onBar(this, '1m', mb);
      if (this.buckets.length) this.addToBuckets(mb, s);
    }
    this.barsSeen += n;
    this.flushBuckets(s.close);
    this.fireTimers(s.close);
    this.clock = s.close;
    if (this.pos) this.closePosition(start[n - 1]! + MINUTE_MS, close[n - 1]!, 'session-end'); // no minute left to fill at
    if (this.entry) this.dropEntry(this.entry, 'no minute traded after the decision');
    this.strategy.onSessionEnd(this);
  }

  private fireTimers(upTo: number): void {
    while (this.timers.length && this.timers[0]! <= upTo) {
      const at = this.timers.shift()!;
      this.clock = at;
      this.strategy.onTimer(this, at);
    }
  }

  private addToBuckets(m: StrategyBar, s: Session): void {
    const close = m.start + MINUTE_MS;
    for (const b of this.buckets) {
      const bucketStart = s.open + Math.floor((m.start - s.open) / b.width) * b.width;
      if (bucketStart !== b.start) {
        b.start = bucketStart;
        b.end = Math.min(bucketStart + b.width, s.close);
        b.open = m.open;
        b.high = m.high;
        b.low = m.low;
        b.volume = 0;
        b.delivered = false;
      } else {
        if (m.high > b.high) b.high = m.high;
        if (m.low < b.low) b.low = m.low;
      }
      b.close = m.close;
      b.volume += m.volume;
      if (b.end <= close) this.deliver(b);
    }
  }

  private flushBuckets(upTo: number): void {
    for (const b of this.buckets) if (!b.delivered && b.end <= upTo) this.deliver(b);
  }

  private deliver(b: Bucket): void {
    b.delivered = true;
    this.clock = b.end;
    this.strategy.onBar(this, b.tf, b);
  }

  private dropEntry(e: EntryIntent, why: string): void {
    this.skipped.push({ at: this.entryAt, reason: e.reason, why });
    this.entry = null;
  }

  /** The fill rules are src/broker/bar-fills.ts (shared with the paper broker's bar fills). */
  private fillEntry(t: number, o: number): void {
    const e = this.entry!;
    if (t >= e.notAfter) return this.dropEntry(e, lateEntryWhy(e.notAfter));
    const r = resolveEntry(e.side, o, e);
    if (!r.ok) return this.dropEntry(e, r.why);
    const { stop, target } = r;
    this.entry = null;
    this.entriesToday++;
    this.exitReason = null;
    this.pos = {
      side: e.side, entryTime: t, entryPrice: o, stop, target, qty: this.opts.qty, reasonIn: e.reason,
      worst: o, best: o, stopE4: toE4(stop), targetE4: target === null ? NaN : toE4(target),
    };
  }

  private checkExits(t: number, o: number, h: number, l: number): void {
    const p = this.pos!;
    const exit = bracketExit(p.side, p.stop, p.target, o, h, l);
    if (exit) this.closePosition(t, exit.price, exit.reason);
  }

  private track(h: number, l: number): void {
    const p = this.pos!;
    if (p.side === 'long') {
      if (l < p.worst) p.worst = l;
      if (h > p.best) p.best = h;
    } else {
      if (h > p.worst) p.worst = h;
      if (l < p.best) p.best = l;
    }
  }

  private closePosition(t: number, price: number, reason: string): void {
    const p = this.pos!;
    this.track(price, price);
    // Excursions include the exit minute up to the fill (the fill price bounds what we held through).
    const dir = p.side === 'long' ? 1 : -1;
    const entryE4 = toE4(p.entryPrice);
    const exitE4 = toE4(price);
    const grossCents = Math.round((p.qty * (exitE4 - entryE4) * dir) / 100);
    const sellPrice = p.side === 'long' ? exitE4 : entryE4;
    const feesCents = stockOrderFees('sell', p.qty, Math.round(sellPrice / 100)).totalCents;
    this.trades.push({
      entryTime: p.entryTime, exitTime: t, side: p.side, entryPrice: p.entryPrice, exitPrice: price, stop: p.stop, target: p.target,
      qty: p.qty, feesCents, pnlCents: grossCents - feesCents, r: ((exitE4 - entryE4) * dir) / Math.abs(entryE4 - p.stopE4),
      reasonIn: p.reasonIn, reasonOut: reason,
      mae: Math.max(0, ((p.entryPrice - p.worst) * dir)), mfe: Math.max(0, ((p.best - p.entryPrice) * dir)),
    });
    this.pos = null;
    this.exitReason = null;
  }
}
