/**
 * Opening-range breakout (issue #10, DESIGN.md: "let the first 5-minute candle resolve, mark
 * its high and low … the break shows the direction for the day").
 *
 * - range = high/low of the regular minutes 09:30 … 09:30+rangeMinutes (src/indicators OpeningRange);
 * - only `signalTf` bars closing at or after 09:30+rangeMinutes+waitMinutes count; the first
 *   that closes above the range high signals long, below the low short;
 * - the entry fills at the open of the first minute starting at/after that bar's close (the
 *   driver's rule for every EntryIntent); stop at the opposite side of the range (or
 *   `atrStop` × daily ATR from the entry), target `targetR` × R;
 * - flat at the open of the minute `flatMinutes` before the close (15:55, 12:55 on early
 *   closes); no entry at or after it; at most `maxTradesPerDay` entries;
 * - optional filters: opening-range relative volume ≥ `minRvol` over `rvolDays` sessions,
 *   skip doji opening candles.
 */
import { MINUTE_MS, type IntradayTimeframe } from '../../core/types.js';
import { Atr, OpeningRange } from '../../indicators/index.js';
import type { Strategy, StrategyBar, StrategyContext } from '../api.js';
import type { OrbParams } from './params.js';

export { ORB_PARAMS, orbParams, type OrbParams } from './params.js';


export class OrbStrategy implements Strategy {
  readonly name = 'orb';
  readonly timeframes: readonly IntradayTimeframe[];
  private or = new OpeningRange(5);
  /** The range is final (its last minute has closed) and published. */
  private rangeDone = false;
  private rangeOpen = NaN;
  private rangeClose = NaN;
  private signalFrom = 0;
  private flatAt = 0;
  /** Today's filters said no (doji, low relative volume, ATR not known yet). */
  private blocked = false;
  private readonly orVolumes: number[] = [];
  private readonly atr: Atr;
  private day = { start: 0, open: NaN, high: -Infinity, low: Infinity, close: NaN, volume: 0 };

  constructor(readonly params: OrbParams) {
    this.timeframes = params.signalTf === '1m' ? [] : [params.signalTf];
    this.atr = new Atr(params.atrDays);
  }

  onSession(ctx: StrategyContext): void {
    const s = ctx.session();
    this.or = new OpeningRange(this.params.rangeMinutes);
    this.rangeDone = false;
    this.blocked = false;
    this.rangeOpen = NaN;
    this.signalFrom = s.open + (this.params.rangeMinutes + this.params.waitMinutes) * MINUTE_MS;
    this.flatAt = s.close - this.params.flatMinutes * MINUTE_MS;
    this.day = { start: s.midnight, open: NaN, high: -Infinity, low: Infinity, close: NaN, volume: 0 };
    ctx.setTimer(this.flatAt);
  }

  onBar(ctx: StrategyContext, tf: IntradayTimeframe, bar: StrategyBar): void {
    if (tf === '1m') {
      this.trackDay(bar);
      if (!this.rangeDone) this.feedRange(bar, ctx.session().open);
    }
    if (!this.rangeDone) this.finishRange(ctx);
    if (tf === this.params.signalTf) this.signal(ctx, bar);
  }

  private trackDay(bar: StrategyBar): void {
    const d = this.day;
    if (Number.isNaN(d.open)) d.open = bar.open;
    if (bar.high > d.high) d.high = bar.high;
    if (bar.low < d.low) d.low = bar.low;
    d.close = bar.close;
    d.volume += bar.volume;
  }

  private feedRange(bar: StrategyBar, open: number): void {
    if (bar.start >= open + this.params.rangeMinutes * MINUTE_MS) return;
    this.or.update(bar);
    if (Number.isNaN(this.rangeOpen)) this.rangeOpen = bar.open;
    this.rangeClose = bar.close;
  }

  /** The range is final once the clock reaches its end (its last minute closed, or a later bar arrived). */
  private finishRange(ctx: StrategyContext): void {
    const endsAt = ctx.session().open + this.params.rangeMinutes * MINUTE_MS;
    if (ctx.now() < endsAt) return;
    this.rangeDone = true;
    const or = this.or.value();
    if (!or) {
      this.blocked = true; // the opening minutes never traded: no range today
      return;
    }
    ctx.publish({ kind: 'levels', name: 'orb', date: or.date, from: endsAt, to: ctx.session().close, high: or.high, low: or.low });
    this.applyFilters(or.high, or.low, or.volume);
  }

  private applyFilters(high: number, low: number, volume: number): void {
    const p = this.params;
    if (p.skipDoji && Math.abs(this.rangeClose - this.rangeOpen) <= p.dojiBody * (high - low)) this.blocked = true;
    if (p.minRvol > 0) {
      const past = this.orVolumes;
      if (past.length < p.rvolDays) this.blocked = true;
      else {
        let sum = 0;
        for (const v of past) sum += v;
        const mean = sum / past.length;
        if (!(mean > 0) || volume / mean < p.minRvol) this.blocked = true;
      }
    }
    if (p.atrStop > 0 && this.atr.value() === null) this.blocked = true;
  }

  private signal(ctx: StrategyContext, bar: StrategyBar): void {
    const p = this.params;
    const now = ctx.now();
    if (!this.rangeDone || this.blocked || now < this.signalFrom || now >= this.flatAt) return;
    if (ctx.position() || ctx.pendingEntry() || ctx.tradesToday() >= p.maxTradesPerDay) return;
    const or = this.or.value();
    if (!or) return;
    const side = bar.close > or.high ? 'long' : bar.close < or.low ? 'short' : null;
    if (!side) return;
    const stop = p.atrStop > 0 ? { stopDistance: p.atrStop * this.atr.value()! } : { stop: side === 'long' ? or.low : or.high };
    ctx.submit({ kind: 'entry', side, ...stop, targetR: p.targetR, notAfter: this.flatAt, reason: `orb-${side}` });
  }

  onTimer(ctx: StrategyContext, at: number): void {
    if (at === this.flatAt && ctx.position()) ctx.submit({ kind: 'exit', reason: 'flat' });
  }

  onSessionEnd(): void {
    const or = this.or.value();
    if (or) {
      this.orVolumes.push(or.volume);
      if (this.orVolumes.length > this.params.rvolDays) this.orVolumes.shift();
    }
    const d = this.day;
    if (!Number.isNaN(d.open)) this.atr.update({ start: d.start, open: d.open, high: d.high, low: d.low, close: d.close, volume: d.volume });
  }
}
