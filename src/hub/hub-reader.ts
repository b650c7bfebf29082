/**
 * The ChartHub's bar engine as a BarReader (src/indicators/reader.ts), so the scanner and
 * the checklist read exactly the bars the charts show, on the replay or the live clock.
 * `prepare()` asks the hub to load each symbol's history up to now (single-flight,
 * incremental after the first time), so a symbol nobody charts still gets its minutes.
 */
import type { DailyAggregate, MinuteAggregate } from '../core/types.js';
import type { BarReader } from '../indicators/reader.js';
import type { ChartHub } from './hub.js';

export function hubReader(hub: ChartHub, symbols: () => string[] = () => hub.engine.symbols()): BarReader {
  return {
    minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
      return hub.engine.series(symbol, '1m', true, fromMs, toMs).map((b) => ({ symbol, start: b.start, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume }));
    },
    dailyBars(symbol: string, fromMs: number, toMs: number): DailyAggregate[] {
      const out: DailyAggregate[] = [];
      for (const b of hub.engine.series(symbol, '1D', false, fromMs, toMs)) {
        if (b.closed) out.push({ symbol, start: b.start, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume });
      }
      return out;
    },
    symbols,
    async prepare(list: readonly string[]): Promise<void> {
      await Promise.all(list.map((s) => hub.ensureLoaded(s)));
    },
  };
}
