/**
 * Time-block strategy (issue #10, DESIGN.md: "the high and low of the previous time block …
 * wait for a sweep and reverse or a break and retest").
 *
 * Blocks lie between marker times: every `blockMinutes` from 09:30 (30 → 09:30–10:00 …,
 * 240 → the 4-hour blocks 09:30–13:30 and 13:30–close), or the whole session with
 * `daily=true` (then the levels are the previous session's high/low). The previous block's
 * high H and low L are the levels (src/indicators TimeBlockLevels / PriorDayLevels).
 * Intraday blocks restart each session: the first block of a day has no levels.
 *
 * Setups, on closed `signalTf` bars, each switchable:
 * - sweep and reverse (`sweep`): a bar trades beyond a level (high > H), then within
 *   `sweepBars` bars (the sweeping bar included) a bar closes back inside (L < close < H):
 *   trade toward the other level (short, target L), stop at the sweep's extreme;
 * - break and retest (`retest`): a bar closes beyond a level (close > H), within
 *   `retestBars` bars price comes back to it (low ≤ H × (1 + retestTol)), then within
 *   `retestBars` more bars a bar closes away (close > H × (1 + retestTol)): trade in the
 *   breakout's direction, stop at the lowest low since the retest, target `targetR` × R.
 *   A close back through the level (close < H × (1 − retestTol)) cancels the setup.
 * Mirror images for L. Entries follow the ORB's session rules (flat `flatMinutes` before the
 * close, `maxTradesPerDay`), one position at a time.
 */
import { MINUTE_MS, type IntradayTimeframe } from '../../core/types.js';
import { PriorDayLevels, TimeBlockLevels } from '../../indicators/index.js';
import type { Strategy, StrategyBar, StrategyContext, TradeSide } from '../api.js';
import type { TimeBlockParams } from './params.js';

export { TIMEBLOCK_PARAMS, timeBlockParams, type TimeBlockParams } from './params.js';


interface Sweep { left: number; extreme: number }
interface Retest { phase: 'broken' | 'retested'; left: number; extreme: number }

export class TimeBlockStrategy implements Strategy {
  readonly name = 'timeblock';
  readonly timeframes: readonly IntradayTimeframe[];
  private readonly blocks: TimeBlockLevels;
  private readonly prior = new PriorDayLevels();
  private levelsKey = NaN;
  private high = NaN;
  private low = NaN;
  private flatAt = 0;
  private sweepHigh: Sweep | null = null;
  private sweepLow: Sweep | null = null;
  private breakUp: Retest | null = null;
  private breakDown: Retest | null = null;

  constructor(readonly params: TimeBlockParams) {
    this.timeframes = params.signalTf === '1m' ? [] : [params.signalTf];
    this.blocks = new TimeBlockLevels(params.blockMinutes);
  }

  onSession(ctx: StrategyContext): void {
    this.flatAt = ctx.session().close - this.params.flatMinutes * MINUTE_MS;
    // Intraday blocks restart each session: yesterday's last block is not today's level.
    this.levelsKey = NaN;
    this.high = NaN;
    this.low = NaN;
    this.reset();
    ctx.setTimer(this.flatAt);
  }

  private reset(): void {
    this.sweepHigh = this.sweepLow = this.breakUp = this.breakDown = null;
  }

  onBar(ctx: StrategyContext, tf: IntradayTimeframe, bar: StrategyBar): void {
    if (tf === '1m') {
      if (this.params.daily) this.prior.update(bar);
      else this.blocks.update(bar);
    }
    if (tf !== this.params.signalTf) return;
    this.refreshLevels(ctx);
    if (Number.isNaN(this.high)) return;
    if (this.params.sweep) this.sweeps(ctx, bar);
    if (this.params.retest) this.retests(ctx, bar);
  }

  /** Picks up the levels of the block completed by now; a new block resets the setups. */
  private refreshLevels(ctx: StrategyContext): void {
    const s = ctx.session();
    const now = ctx.now();
    let key: number;
    let high: number;
    let low: number;
    let to: number;
    if (this.params.daily) {
      const p = this.prior.value();
      if (!p) return;
      key = s.open;
      high = p.high;
      low = p.low;
      to = s.close;
    } else {
      const b = this.blocks.completedBy(now);
      if (!b || b.blockStart < s.open) return;
      key = b.blockStart;
      high = b.high;
      low = b.low;
      const width = this.params.blockMinutes * MINUTE_MS;
      to = Math.min(b.blockStart + 2 * width, s.close);
    }
    if (key === this.levelsKey) return;
    this.levelsKey = key;
    this.high = high;
    this.low = low;
    this.reset();
    const from = this.params.daily ? s.open : Math.min(key + this.params.blockMinutes * MINUTE_MS, s.close);
    ctx.publish({ kind: 'levels', name: this.params.daily ? 'prior-day' : `block-${this.params.blockMinutes}m`, date: s.date, from, to, high, low });
  }

  private sweeps(ctx: StrategyContext, bar: StrategyBar): void {
    const H = this.high;
    const L = this.low;
    if (!this.sweepHigh && bar.high > H) this.sweepHigh = { left: this.params.sweepBars, extreme: bar.high };
    if (!this.sweepLow && bar.low < L) this.sweepLow = { left: this.params.sweepBars, extreme: bar.low };
    const inside = bar.close < H && bar.close > L;
    const sh = this.sweepHigh;
    if (sh) {
      if (bar.high > sh.extreme) sh.extreme = bar.high;
      if (inside) {
        this.sweepHigh = null;
        this.setup(ctx, 'sweep-high', 'short', H, { stop: sh.extreme, target: L });
      } else if (--sh.left <= 0) this.sweepHigh = null;
    }
    const sl = this.sweepLow;
    if (sl) {
      if (bar.low < sl.extreme) sl.extreme = bar.low;
      if (inside) {
        this.sweepLow = null;
        this.setup(ctx, 'sweep-low', 'long', L, { stop: sl.extreme, target: H });
      } else if (--sl.left <= 0) this.sweepLow = null;
    }
  }

  private retests(ctx: StrategyContext, bar: StrategyBar): void {
    const tol = this.params.retestTol;
    const n = this.params.retestBars;
    const H = this.high;
    const L = this.low;
    const up = this.breakUp;
    if (!up) {
      if (bar.close > H) this.breakUp = { phase: 'broken', left: n, extreme: bar.low };
    } else if (bar.close < H * (1 - tol)) this.breakUp = null;
    else if (up.phase === 'broken') {
      if (bar.low <= H * (1 + tol)) this.breakUp = { phase: 'retested', left: n, extreme: bar.low };
      else if (--up.left <= 0) this.breakUp = null;
    } else {
      if (bar.low < up.extreme) up.extreme = bar.low;
      if (bar.close > H * (1 + tol)) {
        this.breakUp = null;
        this.setup(ctx, 'break-retest-high', 'long', H, { stop: up.extreme, targetR: this.params.targetR });
      } else if (--up.left <= 0) this.breakUp = null;
    }
    const down = this.breakDown;
    if (!down) {
      if (bar.close < L) this.breakDown = { phase: 'broken', left: n, extreme: bar.high };
    } else if (bar.close > L * (1 + tol)) this.breakDown = null;
    else if (down.phase === 'broken') {
      if (bar.high >= L * (1 - tol)) this.breakDown = { phase: 'retested', left: n, extreme: bar.high };
      else if (--down.left <= 0) this.breakDown = null;
    } else {
      if (bar.high > down.extreme) down.extreme = bar.high;
      if (bar.close < L * (1 - tol)) {
        this.breakDown = null;
        this.setup(ctx, 'break-retest-low', 'short', L, { stop: down.extreme, targetR: this.params.targetR });
      } else if (--down.left <= 0) this.breakDown = null;
    }
  }

  private setup(ctx: StrategyContext, name: string, side: TradeSide, level: number, exits: { stop: number; target?: number; targetR?: number }): void {
    const now = ctx.now();
    ctx.publish({ kind: 'setup', name, time: now, side, level });
    if (now >= this.flatAt || ctx.position() || ctx.pendingEntry() || ctx.tradesToday() >= this.params.maxTradesPerDay) return;
    ctx.submit({ kind: 'entry', side, ...exits, notAfter: this.flatAt, reason: name });
  }

  onTimer(ctx: StrategyContext, at: number): void {
    if (at === this.flatAt && ctx.position()) ctx.submit({ kind: 'exit', reason: 'flat' });
  }

  onSessionEnd(): void {}
}
