/**
 * JournalService — the journal over the store: every fill the brokers booked (trading
 * repository) plus imported ones, built into trades, reviewed, joined with the trader's
 * entries; filters, statistics, import and export. Trades are rebuilt on each read (a
 * day's fills are few; nothing derived is stored, so nothing can go stale).
 */
import type { Account, Fill, Order } from '../broker/types.js';
import { formatNyIso, nyWallClock } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import { RiskEngine } from '../risk/engine.js';
import { statsOfTrades, type TradeStats } from '../stats/index.js';
import type { JournalEntry, JournalEntryPatch, JournalRepository, ScreenshotMeta } from '../store/journal.js';
import type { TradingRepository } from '../store/trading.js';
import { checkImport, fillsToCsv, toCsv, type ColumnMapping, type ImportProblem } from './csv.js';
import { cooldownsFromAudit, reviewTrade, type MarketHistory, type TradeReview } from './review.js';
import { buildTrades } from './roundtrip.js';
import { checkScreenshot } from './screenshots.js';
import type { Trade, TradeOverride } from './types.js';
import { wireTrade, type WireJournalTrade } from './wire.js';

export interface JournalServiceOptions {
  trading: TradingRepository;
  journal: JournalRepository;
  history?: MarketHistory;
  /** 0-DTE flatten time as the exit manager has it ('HH:MM' or null). Default '15:15'. */
  flattenAt?: string | null;
  /** Wall clock for entry edit times. */
  now?: () => number;
}

export interface TradeFilter {
  account?: string;
  /** Entry time bounds, epoch ms (inclusive from, exclusive to). */
  from?: number;
  to?: number;
  tag?: string;
  setup?: string;
}

export interface ReviewedTrade {
  trade: Trade;
  review: TradeReview;
  entry: JournalEntry | null;
}

export const GROUP_BY = ['account', 'strategy', 'setup', 'tag', 'weekday', 'hour'] as const;
export type GroupBy = (typeof GROUP_BY)[number];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export interface ImportReport {
  ok: boolean;
  imported: number;
  problems: ImportProblem[];
}

export class JournalService {
  private readonly now: () => number;

  constructor(private readonly o: JournalServiceOptions) {
    this.now = o.now ?? Date.now;
  }

  fills(): Fill[] {
    return [...this.o.trading.fills(), ...this.o.journal.importedFills()];
  }

  trades(filter: TradeFilter = {}): ReviewedTrade[] {
    const { trades, review, entries } = this.build();
    return trades
      .filter((t) => (filter.account === undefined || t.account === filter.account)
        && (filter.from === undefined || t.entryTime >= filter.from)
        && (filter.to === undefined || t.entryTime < filter.to))
      .filter((t) => (filter.tag === undefined || (entries.get(t.id)?.tags ?? []).includes(filter.tag))
        && (filter.setup === undefined || entries.get(t.id)?.setup === filter.setup))
      .map((trade) => ({ trade, review: review(trade), entry: entries.get(trade.id) ?? null }));
  }

  /** One trade (only it is reviewed: MAE/MFE read quotes). */
  trade(id: string): ReviewedTrade | null {
    const { trades, review, entries } = this.build();
    const trade = trades.find((t) => t.id === id);
    return trade ? { trade, review: review(trade), entry: entries.get(id) ?? null } : null;
  }

  /** Every trade from every fill, and how to review one. */
  private build(): { trades: Trade[]; review: (t: Trade) => TradeReview; entries: Map<string, JournalEntry> } {
    const fills = this.fills();
    const trades = buildTrades(fills, { overrides: this.o.journal.overrides<TradeOverride>() });
    const ctx = {
      orders: new Map<string, Order>(this.o.trading.orders().map((o) => [o.id, o])),
      risk: new RiskEngine(this.o.trading).settings(),
      flattenAt: this.o.flattenAt === undefined ? '15:15' : this.o.flattenAt,
      cooldowns: cooldownsFromAudit(this.o.trading.auditRows()),
      ...(this.o.history ? { history: this.o.history } : {}),
      now: fills.reduce((m, f) => Math.max(m, f.time), 0),
    };
    return { trades, review: (t) => reviewTrade(t, ctx), entries: this.o.journal.entries() };
  }

  wire(t: ReviewedTrade): WireJournalTrade {
    return wireTrade(t.trade, t.review, t.entry, this.o.journal.screenshots(t.trade.id));
  }

  /** Updates the trader's entry of an existing trade (404-able: returns null when there is no such trade). */
  updateEntry(id: string, patch: JournalEntryPatch): ReviewedTrade | null {
    if (!this.trade(id)) return null;
    this.o.journal.saveEntry(id, patch, this.now());
    return this.trade(id);
  }

  addScreenshot(id: string, data: Buffer, kind: ScreenshotMeta['kind'] = 'attached'): ScreenshotMeta | null {
    const mime = checkScreenshot(data);
    if (!this.trade(id)) return null;
    return this.o.journal.addScreenshot({ tradeId: id, kind, mime, data, at: this.now() });
  }

  noteHistory(id: string): { notes: string; savedAt: string }[] {
    return this.o.journal.noteHistory(id).map((h) => ({ notes: h.notes, savedAt: formatNyIso(h.savedAt) }));
  }

  screenshot(id: string): (ScreenshotMeta & { data: Buffer }) | null {
    return this.o.journal.screenshot(id);
  }

  /**
   * The trade a fill belongs to, for a picture taken at that fill: a flip fill both closes
   * one trade and opens the next, so `entry` picks the trade it opens, `exit` the one it closes.
   */
  tradeOfFill(fillId: string, kind: 'entry' | 'exit'): string | null {
    const owners = this.build().trades.filter((t) => t.legs.some((l) => l.pieces.some((p) => p.fill.id === fillId)));
    if (!owners.length) return null;
    const sorted = owners.sort((a, b) => a.entryTime - b.entryTime);
    return (kind === 'entry' ? sorted.at(-1) : sorted[0])!.id;
  }

  addOverride(o: TradeOverride): void {
    const { trades } = this.build();
    const ids = new Set(trades.map((t) => t.id));
    if (o.kind === 'merge') {
      for (const id of o.tradeIds) if (!ids.has(id)) throw new InputError('tradeIds', `no trade ${id}`);
      const accounts = new Set(trades.filter((t) => o.tradeIds.includes(t.id)).map((t) => t.account));
      if (accounts.size > 1) throw new InputError('tradeIds', 'trades of different accounts cannot be merged');
    }
    if (o.kind === 'unlink_legs' && !ids.has(o.tradeId)) throw new InputError('tradeId', `no trade ${o.tradeId}`);
    if (o.kind === 'split_at' && !this.fills().some((f) => f.id === o.fillId)) throw new InputError('fillId', `no fill ${o.fillId}`);
    this.o.journal.addOverride(o, this.now());
  }

  /**
   * Closed trades grouped, each group through the shared statistics (src/stats: the
   * backtester's figures, bootstrap CIs and warnings); a trade with several tags counts in
   * each tag's group. `withRuleBreaks` false leaves out every trade that broke a rule.
   */
  stats(groupBy: GroupBy, filter: TradeFilter = {}, withRuleBreaks = true): { key: string; stats: TradeStats }[] {
    const startEquity = startingEquity(this.o.trading.accounts(), this.build().trades);
    const groups = new Map<string, ReviewedTrade[]>();
    for (const t of this.trades(filter)) {
      if (t.trade.status === 'open' || (!withRuleBreaks && t.review.ruleBreaks.length)) continue;
      for (const key of groupKeys(t, groupBy)) {
        const list = groups.get(key) ?? [];
        list.push(t);
        groups.set(key, list);
      }
    }
    return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, list]) => ({
      key,
      stats: statsOfTrades(
        list.map((t) => ({ pnlCents: t.trade.realized, r: t.review.r, entryTime: t.trade.entryTime, exitTime: t.trade.exitTime! })),
        { startEquityCents: sumKnown([...new Set(list.map((t) => t.trade.account))].map((a) => startEquity.get(a) ?? null)) },
      ),
    }));
  }

  /** The import's checks against what is stored, writing nothing. */
  checkCsv(text: string, opts: { mapping?: ColumnMapping; account?: string } = {}): { ok: boolean; fills: number; problems: ImportProblem[] } {
    const check = this.check(text, opts);
    return { ok: check.ok, fills: check.fills.length, problems: check.problems };
  }

  private check(text: string, opts: { mapping?: ColumnMapping; account?: string }) {
    const existing = this.fills();
    return checkImport(text, { ...opts, existingIds: new Set(existing.map((f) => f.id)), existingFills: existing });
  }

  /** All or nothing: a file with any bad line changes nothing and names each bad line. */
  importCsv(text: string, source: string, opts: { mapping?: ColumnMapping; account?: string } = {}): ImportReport {
    const check = this.check(text, opts);
    if (!check.ok) return { ok: false, imported: 0, problems: check.problems };
    this.o.journal.importFills(source, check.fills, this.now());
    return { ok: true, imported: check.fills.length, problems: [] };
  }

  exportFills(format: 'csv' | 'json', filter: TradeFilter = {}): string {
    const fills = this.fills().filter((f) => (filter.account === undefined || f.account === filter.account)
      && (filter.from === undefined || f.time >= filter.from) && (filter.to === undefined || f.time < filter.to));
    if (format === 'csv') return fillsToCsv(fills);
    return JSON.stringify({ fills: fills.map((f) => ({ ...f })) }, null, 2) + '\n';
  }

  exportTrades(format: 'csv' | 'json', filter: TradeFilter = {}): string {
    const trades = this.trades(filter).map((t) => this.wire(t));
    if (format === 'json') return JSON.stringify({ trades }, null, 2) + '\n';
    const header = ['id', 'account', 'symbol', 'underlying', 'side', 'status', 'qty', 'entryTime', 'exitTime', 'entryPrice', 'exitPrice', 'fees', 'pnl', 'r', 'mae', 'mfe', 'holdingSeconds', 'mode', 'strategy', 'setup', 'tags', 'rating', 'ruleBreaks', 'legs'] as const;
    return toCsv(header, trades.map((t) => header.map((h) => {
      if (h === 'tags') return t.tags.join('|');
      if (h === 'ruleBreaks') return t.ruleBreaks.map((b) => b.code).join('|');
      if (h === 'legs') return t.legs.map((l) => `${l.side} ${l.qty} ${l.symbol}`).join('|');
      return t[h] as string | number | null;
    })));
  }
}

/**
 * Each account's equity before its first journal trade: its equity now less everything its
 * trades realized (open positions' unrealized P&L is the small error left). Imported
 * accounts optdesk does not hold have none.
 */
function startingEquity(accounts: readonly Account[], trades: readonly Trade[]): Map<string, number> {
  const realized = new Map<string, number>();
  for (const t of trades) realized.set(t.account, (realized.get(t.account) ?? 0) + t.realized);
  return new Map(accounts.map((a) => [a.name, a.equity - (realized.get(a.name) ?? 0)]));
}

function sumKnown(xs: readonly (number | null)[]): number | null {
  return xs.some((x) => x === null) ? null : xs.reduce<number>((a, b) => a + b!, 0);
}

function groupKeys(t: ReviewedTrade, by: GroupBy): string[] {
  switch (by) {
    case 'account': return [t.trade.account];
    case 'strategy': return [t.review.strategy ?? (t.review.mode === 'manual' ? 'manual' : '(none)')];
    case 'setup': return [t.entry?.setup ?? '(none)'];
    case 'tag': return t.entry?.tags.length ? t.entry.tags : ['(untagged)'];
    case 'weekday': return [WEEKDAYS[nyWallClock(t.trade.entryTime).weekday % 7]!];
    case 'hour': return [`${String(nyWallClock(t.trade.entryTime).hour).padStart(2, '0')}:00`];
  }
}
