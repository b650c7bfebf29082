/**
 * Test access to the real recorded market data in ../shared/data (see its README).
 * Small files are read whole with gunzipSync: tests want simple, obviously-correct parsing
 * that is independent of the production importer they may be checking.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { MinuteAggregate } from '../../src/core/types.js';

export const DATA_DIR = process.env.OPTDESK_DATA ? path.resolve(process.env.OPTDESK_DATA) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/data');

export function stockMinuteFile(date: string): string {
  const [y, m] = date.split('-');
  return path.join(DATA_DIR, 'flatfiles/us_stocks_sip/minute_aggs_v1', y!, m!, `${date}.csv.gz`);
}

export function stockDailyFile(ticker: string): string {
  return path.join(DATA_DIR, 'flatfiles/us_stocks_sip/day_aggs_v1/by_ticker', `${ticker}.csv.gz`);
}

/** Parses an aggregates CSV (`ticker,volume,open,close,high,low,window_start,transactions`). */
export function readAggregates(file: string, ticker?: string): MinuteAggregate[] {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  const out: MinuteAggregate[] = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const [sym, volume, open, close, high, low, windowStart] = line.split(',');
    if (ticker && sym !== ticker) continue;
    out.push({
      symbol: sym!,
      volume: Number(volume),
      open: Number(open),
      close: Number(close),
      high: Number(high),
      low: Number(low),
      // window_start is epoch nanoseconds: drop the last 6 digits to get ms without float loss.
      start: Number(windowStart!.slice(0, -6)),
    });
  }
  return out;
}

export const SPY_OCT_2013 = ['2013-10-04', '2013-10-07', '2013-10-08', '2013-10-09', '2013-10-10', '2013-10-11'];
