/**
 * Classic bar indicators, computed by the `trading-signals` library (its EMA seeds with the
 * first close and is "stable" after `period` inputs; ATR is Wilder's: the first value is the
 * mean of the first `period` true ranges). We add the bar-revision rule and null-until-stable.
 */
import { ATR, EMA, RSI } from 'trading-signals';
import { BarOrder, checkPeriod, type IndicatorBar, type StreamingIndicator } from './types.js';

/** Exponential moving average of closes. */
export class Ema implements StreamingIndicator<number> {
  private readonly ema: EMA;
  private readonly order = new BarOrder();
  private v: number | null = null;
  /** Bars seen (revisions not counted): the library's own isStable throws and catches an error while warming up, which is slow. */
  private count = 0;

  constructor(readonly period: number) {
    checkPeriod('period', period);
    this.ema = new EMA(period);
  }

  update(bar: IndicatorBar): number | null {
    const replace = this.order.isRevision(bar.start);
    if (!replace) this.count++;
    const v = this.ema.update(bar.close, replace);
    this.v = this.count >= this.period ? v : null;
    return this.v;
  }

  value(): number | null {
    return this.v;
  }
}

/** Average true range (Wilder smoothing). */
export class Atr implements StreamingIndicator<number> {
  private readonly atr: ATR;
  private readonly order = new BarOrder();
  private v: number | null = null;

  constructor(readonly period = 14) {
    checkPeriod('period', period);
    this.atr = new ATR(period);
  }

  update(bar: IndicatorBar): number | null {
    const replace = this.order.isRevision(bar.start);
    this.v = this.atr.update({ high: bar.high, low: bar.low, close: bar.close }, replace);
    return this.v;
  }

  value(): number | null {
    return this.v;
  }
}

/** Relative strength index of closes (Wilder smoothing), 0–100. */
export class Rsi implements StreamingIndicator<number> {
  private readonly rsi: RSI;
  private readonly order = new BarOrder();
  private v: number | null = null;

  constructor(readonly period = 14) {
    checkPeriod('period', period);
    this.rsi = new RSI(period);
  }

  update(bar: IndicatorBar): number | null {
    const replace = this.order.isRevision(bar.start);
    this.v = this.rsi.update(bar.close, replace);
    return this.v;
  }

  value(): number | null {
    return this.v;
  }
}
