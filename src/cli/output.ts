/** Formatting of bars for the terminal and for files: CSV with a header, or JSON. */
import type { Bar, Timeframe } from '../core/types.js';
import { formatNyIso, nyDate } from '../calendar/index.js';

/** `start` as the contract says: ISO-8601 with the New York offset intraday, `YYYY-MM-DD` for 1D/1W. */
export function formatStart(start: number, tf: Timeframe): string {
  return tf === '1D' || tf === '1W' ? nyDate(start) : formatNyIso(start);
}

export function barsToCsv(bars: Bar[], tf: Timeframe): string {
  const lines = ['start,open,high,low,close,volume'];
  for (const b of bars) lines.push(`${formatStart(b.start, tf)},${b.open},${b.high},${b.low},${b.close},${b.volume}`);
  return lines.join('\n') + '\n';
}

export function barsToJson(symbol: string, bars: Bar[], tf: Timeframe): string {
  return JSON.stringify(
    {
      symbol,
      tf,
      bars: bars.map((b) => ({ start: formatStart(b.start, tf), startMs: b.start, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, closed: b.closed, source: b.source })),
    },
    null,
    2,
  ) + '\n';
}
