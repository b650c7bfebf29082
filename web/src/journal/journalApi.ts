/** The journal's REST calls (src/server/journal-routes.ts); errors keep the server's "field: why". */
import type { WireJournalTrade } from '../../../src/journal/wire.js';
import { apiErrorOf } from '../apiError.js';
import type { TradeStats } from '../../../src/stats/stats.js';
import type { TradeOverride } from '../../../src/journal/types.js';

export type { WireJournalTrade };

/** One group's statistics: the shared module's figures (src/stats, the same as a backtest report's). */
export type StatsGroup = { key: string } & TradeStats;

/** GET /api/journal/review: the week's trades, rule-break counts and stats with/without them. */
export interface WeekReview {
  from: string;
  to: string;
  trades: WireJournalTrade[];
  ruleBreaks: Record<string, number>;
  tradesWithRuleBreaks: number;
  stats: TradeStats;
  statsWithoutRuleBreaks: TradeStats;
}

export type { TradeOverride };

export interface TradeQuery {
  account?: string;
  from?: string;
  to?: string;
  tag?: string;
  setup?: string;
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const raw = body instanceof Blob;
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': raw ? body.type || 'application/octet-stream' : 'application/json' }, body: raw ? body : JSON.stringify(body) }),
  });
  const parsed = (await res.json().catch(() => undefined)) as { error?: unknown } | undefined;
  if (!res.ok) throw apiErrorOf(res, parsed);
  return parsed as T;
}

function qs(q: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const journalApi = {
  trades: (q: TradeQuery) => call<{ trades: WireJournalTrade[] }>('GET', `/api/journal/trades${qs({ ...q })}`).then((r) => r.trades),
  trade: (id: string) => call<{ trade: WireJournalTrade; noteHistory: { notes: string; savedAt: string }[] }>('GET', `/api/journal/trades/${encodeURIComponent(id)}`),
  update: (id: string, patch: { notes?: string; tags?: string[]; setup?: string | null; rating?: number | null }) =>
    call<{ trade: WireJournalTrade }>('PUT', `/api/journal/trades/${encodeURIComponent(id)}`, patch).then((r) => r.trade),
  screenshot: (id: string, file: Blob) => call<unknown>('POST', `/api/journal/trades/${encodeURIComponent(id)}/screenshots?kind=attached`, file),
  stats: (groupBy: string, q: TradeQuery, withoutRuleBreaks = false) =>
    call<{ groups: StatsGroup[] }>('GET', `/api/journal/stats${qs({ groupBy, ...q, ruleBreaks: withoutRuleBreaks ? 'exclude' : undefined })}`).then((r) => r.groups),
  week: (date: string, account?: string) => call<WeekReview>('GET', `/api/journal/review${qs({ week: date, account })}`),
  override: (o: TradeOverride) => call<{ trades: WireJournalTrade[] }>('POST', '/api/journal/overrides', o).then((r) => r.trades),
  settings: () => call<{ settings: { minGrade: string | null } }>('GET', '/api/journal/settings').then((r) => r.settings),
  updateSettings: (patch: { minGrade: string | null }) => call<{ settings: { minGrade: string | null } }>('PUT', '/api/journal/settings', patch).then((r) => r.settings),
};
