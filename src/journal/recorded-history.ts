/**
 * MarketHistory for the server: the store's recorded quotes and minute bars first, and —
 * for a day the store has not imported — the recorded flat files the replay plays (read
 * once per day and underlying, on demand, before a review). So a paper trade made during
 * the replay gets its MAE/MFE without an `optdesk import`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Fill } from '../broker/types.js';
import { nyDate } from '../calendar/index.js';
import type { MinuteAggregate, OptionQuote } from '../core/types.js';
import { readFlatFile } from '../feeds/flatfile/read.js';
import { readOptionQuotesCsv } from '../options/flatfile-quotes.js';
import { tryParseOptionTicker } from '../core/occ.js';
import type { MarketHistory } from './review.js';

export class RecordedHistory implements MarketHistory {
  /** `date|root` → quotes by ticker (time order); `date|SYMBOL` → minute bars. */
  private readonly quotes = new Map<string, Map<string, OptionQuote[]>>();
  private readonly bars = new Map<string, MinuteAggregate[]>();
  private readonly loading = new Map<string, Promise<void>>();
  /** Grows each time a day's file has been read: reviews computed before it may lack its marks. */
  generation = 0;

  constructor(private readonly store: MarketHistory, private readonly dataDir: string | undefined) {}

  /** Loads the flat files the given fills' days need (each at most once). */
  async prepare(fills: readonly Fill[]): Promise<void> {
    if (!this.dataDir) return;
    const jobs: Promise<void>[] = [];
    for (const f of fills) {
      const date = nyDate(f.time);
      const [y, m] = date.split('-');
      const c = tryParseOptionTicker(f.symbol);
      const key = `${date}|${c ? c.underlying : f.symbol}`;
      if (this.loading.has(key)) { jobs.push(this.loading.get(key)!); continue; }
      const file = c
        ? path.join(this.dataDir, 'flatfiles/us_options_opra/quotes_v1', y!, m!, `${date}.csv.gz`)
        : path.join(this.dataDir, 'flatfiles/us_stocks_sip/minute_aggs_v1', y!, m!, `${date}.csv.gz`);
      const job = !existsSync(file) ? Promise.resolve() : c
        ? readOptionQuotesCsv(file, { underlying: c.underlying }).then((qs) => {
          const byTicker = new Map<string, OptionQuote[]>();
          for (const q of qs) (byTicker.get(q.ticker) ?? byTicker.set(q.ticker, []).get(q.ticker)!).push(q);
          for (const list of byTicker.values()) list.sort((a, b) => a.ts - b.ts);
          this.quotes.set(key, byTicker);
        })
        : (async () => {
          const out: MinuteAggregate[] = [];
          await readFlatFile(file, 'stocks-minute', (bar) => { if (bar.symbol === f.symbol) out.push(bar); });
          this.bars.set(key, out.sort((a, b) => a.start - b.start));
        })();
      // A file that cannot be read leaves the excursions empty; it must not fail the journal.
      const safe = job.catch(() => undefined).then(() => { this.generation++; });
      this.loading.set(key, safe);
      jobs.push(safe);
    }
    await Promise.all(jobs);
  }

  contractQuotes(ticker: string, fromMs: number, toMs: number): OptionQuote[] {
    const stored = this.store.contractQuotes(ticker, fromMs, toMs);
    if (stored.length) return stored;
    const c = tryParseOptionTicker(ticker);
    const list = c ? this.quotes.get(`${nyDate(toMs - 1)}|${c.underlying}`)?.get(ticker) : undefined;
    return list ? list.filter((q) => q.ts >= fromMs && q.ts < toMs) : [];
  }

  minuteBars(symbol: string, fromMs: number, toMs: number): MinuteAggregate[] {
    const stored = this.store.minuteBars(symbol, fromMs, toMs);
    if (stored.length) return stored;
    const list = this.bars.get(`${nyDate(toMs - 1)}|${symbol}`);
    return list ? list.filter((b) => b.start >= fromMs && b.start < toMs) : [];
  }
}
