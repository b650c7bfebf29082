/**
 * Live full-market source: Massive's stocks snapshot (`GET /v2/snapshot/locale/us/markets/
 * stocks/tickers`, every ticker's day, latest minute and previous day in one response),
 * through the official client. Each poll gives the scanner one new minute per ticker; the
 * scanner keeps the per-symbol state (src/indicators/symbol-state.ts).
 */
import { restClient } from '@massive.com/client-js';
import { z } from 'zod';
import type { ScanRow } from './fields.js';

const Bar = z.object({ o: z.number(), h: z.number(), l: z.number(), c: z.number(), v: z.number(), vw: z.number().optional() });
const Ticker = z.object({
  ticker: z.string(),
  day: Bar.optional(),
  min: Bar.extend({ t: z.number(), av: z.number().optional() }).optional(),
  prevDay: Bar.optional(),
  lastTrade: z.object({ p: z.number(), t: z.number().optional() }).optional(),
  updated: z.number().optional(),
});
const SnapshotResponse = z.object({ status: z.string().optional(), tickers: z.array(z.unknown()).default([]) });

/** One ticker of the snapshot in optdesk's terms (ms timestamps, named fields). */
export interface MarketSnapshot {
  symbol: string;
  /** Today so far: regular-session open, high, low, last, volume and VWAP (Massive's `day`). */
  day: { open: number; high: number; low: number; close: number; volume: number; vwap?: number } | null;
  /** The latest minute bar (`min`), start epoch ms. */
  minute: { start: number; open: number; high: number; low: number; close: number; volume: number; vwap?: number } | null;
  prevDay: { open: number; high: number; low: number; close: number; volume: number } | null;
  lastTrade: number | null;
}

/** Massive's wire shape → MarketSnapshot; tickers that do not fit are skipped and counted, never fatal. */
export function parseSnapshot(body: unknown): { rows: MarketSnapshot[]; skipped: number } {
  const parsed = SnapshotResponse.safeParse(body);
  if (!parsed.success) throw new Error('Massive snapshot: the response has no tickers list');
  const rows: MarketSnapshot[] = [];
  let skipped = 0;
  for (const raw of parsed.data.tickers) {
    const t = Ticker.safeParse(raw);
    if (!t.success) {
      skipped++;
      continue;
    }
    const { ticker, day, min, prevDay, lastTrade } = t.data;
    // Before the open Massive sends zeroed day bars: no day yet, not a $0 open.
    const dayOk = day && day.o > 0 && day.c > 0 ? day : undefined;
    rows.push({
      symbol: ticker,
      day: dayOk ? { open: dayOk.o, high: dayOk.h, low: dayOk.l, close: dayOk.c, volume: dayOk.v, ...(dayOk.vw ? { vwap: dayOk.vw } : {}) } : null,
      minute: min && min.t > 0 && min.c > 0 ? { start: min.t, open: min.o, high: min.h, low: min.l, close: min.c, volume: min.v, ...(min.vw ? { vwap: min.vw } : {}) } : null,
      prevDay: prevDay && prevDay.c > 0 ? { open: prevDay.o, high: prevDay.h, low: prevDay.l, close: prevDay.c, volume: prevDay.v } : null,
      lastTrade: lastTrade?.p ?? null,
    });
  }
  return { rows, skipped };
}

export interface MassiveSnapshotOptions {
  apiKey: string;
  /** REST base URL (tests point it at a local fake). */
  baseUrl?: string;
}

export class MassiveSnapshotSource {
  private readonly client: ReturnType<typeof restClient>;

  constructor(opts: MassiveSnapshotOptions) {
    this.client = restClient(opts.apiKey, opts.baseUrl);
  }

  /** The whole market (or only `tickers`), one call. Rejects with a sentence on HTTP errors. */
  async fetch(tickers?: readonly string[]): Promise<{ rows: MarketSnapshot[]; skipped: number }> {
    try {
      // Massive documents `tickers` as one comma-separated value; the client would repeat the parameter per array element.
      const body = await this.client.getStocksSnapshotTickers(tickers ? { tickers: [tickers.join(',')] } : {});
      return parseSnapshot(body);
    } catch (e) {
      const err = e as { response?: { status?: number; data?: { message?: string; error?: string } }; message?: string };
      const status = err.response?.status;
      const said = err.response?.data?.message ?? err.response?.data?.error;
      if (status === 401 || status === 403) throw new Error(`Massive refused the snapshot (${status}): ${said ?? 'check MASSIVE_API_KEY and that the plan includes snapshots'}`);
      if (status !== undefined) throw new Error(`Massive snapshot failed with HTTP ${status}${said ? `: ${said}` : ''}`);
      throw new Error(`Massive snapshot failed: ${err.message ?? String(e)}`);
    }
  }
}

/**
 * The live "all" universe is the whole market; full fields (relative volume, ATR, opening
 * range…) need each symbol's history, so the snapshot picks the candidates: the top `n` by
 * the scan's sort field where the snapshot knows it, then by the size of the move
 * (|change %| × √volume), which is what every preset looks for. The scanner then loads
 * minute history for those only.
 */
export function snapshotCandidates(rows: ReadonlyArray<ScanRow>, sortKey: (r: ScanRow) => number | string | null, n: number): string[] {
  const score = (r: ScanRow) => Math.abs(r.changePct ?? 0) * Math.sqrt(Math.max(r.volume ?? 0, 0));
  const keyed = rows.map((r) => ({ r, k: sortKey(r), s: score(r) }));
  keyed.sort((a, b) => {
    const ak = typeof a.k === 'number' ? a.k : null;
    const bk = typeof b.k === 'number' ? b.k : null;
    if (ak !== null && bk !== null && ak !== bk) return bk - ak;
    if (ak !== null && bk === null) return -1;
    if (ak === null && bk !== null) return 1;
    return b.s - a.s || (a.r.symbol < b.r.symbol ? -1 : 1);
  });
  return keyed.slice(0, n).map((x) => x.r.symbol);
}
