/**
 * JournalService — the journal over the store: every fill the brokers booked (trading
 * repository) plus imported ones, built into trades, reviewed, joined with the trader's
 * entries; filters, statistics, import and export. Trades are rebuilt on each read (a
 * day's fills are few; nothing derived is stored, so nothing can go stale).
 */
import type { Account, Fill, Order } from '../broker/types.js';
import { addDays, formatNyIso, nyMidnight, nyWallClock, weekStartDate } from '../calendar/index.js';
import type { IsoDate } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { GRADES, type Grade } from '../checklist/grade.js';
import { RiskEngine } from '../risk/engine.js';
import { tryParseOptionTicker } from '../core/occ.js';
import { statsOfTrades, type TradeStats } from '../stats/index.js';
import type { JournalEntry, JournalEntryPatch, JournalRepository, ScreenshotMeta } from '../store/journal.js';
import type { TradingRepository } from '../store/trading.js';
import { fillFromActivity } from './alpaca-activities.js';
import { checkImport, fillsToCsv, toCsv, type ColumnMapping, type ImportProblem } from './csv.js';
import { cooldownsFromAudit, openingFill, reviewTrade, type MarketHistory, type ReviewContext, type TradeReview } from './review.js';
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

/**
 * Grades an entry with the checklist (src/checklist) at the instant it was made: a grade,
 * `{missing}` when the symbol has no data at that instant, or null when it cannot be told
 * now (the replay is on another day) — asked again on a later read.
 */
export type EntryGrader = (symbol: string, direction: 'long' | 'short', at: number, contract?: string) => Promise<{ grade: string; score: number } | { missing: string } | null>;

/** The journal's settings (PUT /api/journal/settings). */
export interface JournalSettings {
  /** Entries graded below this are a rule break (`grade_below_minimum`); null: no minimum. */
  minGrade: Grade | null;
}
export const DEFAULT_JOURNAL_SETTINGS: JournalSettings = { minGrade: 'C' };

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

export interface WeekReview {
  /** Monday and Sunday of the week, New York dates. */
  from: IsoDate;
  to: IsoDate;
  trades: ReviewedTrade[];
  /** Trades per rule-break code (a trade with two breaks counts in both). */
  ruleBreaks: Record<string, number>;
  tradesWithRuleBreaks: number;
  stats: TradeStats;
  statsWithoutRuleBreaks: TradeStats;
}

export const GROUP_BY = ['account', 'strategy', 'setup', 'tag', 'weekday', 'hour'] as const;
export type GroupBy = (typeof GROUP_BY)[number];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export interface AlpacaImportReport {
  ok: boolean;
  imported: number;
  /** Activities whose fill was imported before (same activity id). */
  alreadyImported: number;
  /** Activities of orders the connected Alpaca broker booked itself. */
  bookedByBroker: number;
  problems: { activity: string; field: string; message: string }[];
}

export interface ImportReport {
  ok: boolean;
  imported: number;
  problems: ImportProblem[];
}

export class JournalService {
  private readonly now: () => number;
  private cache: { key: string; trades: Trade[]; ctx: ReviewContext; reviews: Map<string, TradeReview> } | null = null;
  /** Builds done since start (tests and the benchmark read it: a cached read adds none). */
  builds = 0;

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

  /**
   * Every trade from every fill, and how to review one: cached until the store's source
   * version (or the readable history) changes; reviews are kept per trade once computed.
   */
  private build(): { trades: Trade[]; review: (t: Trade) => TradeReview; entries: Map<string, JournalEntry> } {
    const key = `${this.o.journal.sourceVersion()}|${this.o.history?.generation ?? 0}`;
    if (this.cache?.key !== key) {
      this.builds++;
      const fills = this.fills();
      const grades = this.o.journal.grades();
      const trades = buildTrades(fills, { overrides: this.o.journal.overrides<TradeOverride>() });
      const ctx: ReviewContext = {
        orders: new Map<string, Order>(this.o.trading.orders().map((o) => [o.id, o])),
        risk: new RiskEngine(this.o.trading).settings(),
        flattenAt: this.o.flattenAt === undefined ? '15:15' : this.o.flattenAt,
        cooldowns: cooldownsFromAudit(this.o.trading.auditRows()),
        ...(this.o.history ? { history: this.o.history } : {}),
        now: fills.reduce((m, f) => Math.max(m, f.time), 0),
        gradeOfFill: (id) => grades.get(id),
        minGrade: this.settings().minGrade,
      };
      this.cache = { key, trades, ctx, reviews: new Map() };
    }
    const { trades, ctx, reviews } = this.cache;
    const review = (t: Trade): TradeReview => {
      let r = reviews.get(t.id);
      if (!r) reviews.set(t.id, (r = reviewTrade(t, ctx)));
      return r;
    };
    return { trades, review, entries: this.o.journal.entries() };
  }

  settings(): JournalSettings {
    const saved = this.o.journal.setting<Partial<JournalSettings>>('settings') ?? {};
    return { ...DEFAULT_JOURNAL_SETTINGS, ...saved };
  }

  updateSettings(patch: Partial<JournalSettings>): JournalSettings {
    if (patch.minGrade !== undefined && patch.minGrade !== null && !(GRADES as readonly string[]).includes(patch.minGrade)) {
      throw new InputError('minGrade', `must be one of ${GRADES.join(', ')} or null`);
    }
    const next = { ...this.settings(), ...patch };
    this.o.journal.setSetting('settings', next);
    return next;
  }

  /**
   * Takes the checklist grade of every trade whose opening fill has none stored yet, at that
   * fill's instant (on the underlying, long for a long call / short put or a bought stock,
   * short otherwise). Grades that cannot be told now are asked again on a later call.
   */
  async gradeEntries(grader: EntryGrader): Promise<number> {
    const stored = this.o.journal.grades();
    let added = 0;
    for (const t of this.build().trades) {
      const fill = openingFill(t);
      if (!fill || stored.has(fill.id)) continue;
      const c = tryParseOptionTicker(fill.symbol);
      const bullish = c ? (c.right === 'call') === (fill.side === 'buy') : fill.side === 'buy';
      const direction = bullish ? 'long' : 'short';
      const underlying = c ? c.underlying : fill.symbol;
      const g = await grader(underlying, direction, fill.time, c ? fill.symbol : undefined).catch((e: Error) => ({ missing: e.message }));
      if (g === null) continue;
      this.o.journal.saveGrade({
        fillId: fill.id, symbol: underlying, direction, at: fill.time,
        grade: 'grade' in g ? g.grade : null, score: 'grade' in g ? g.score : null, missing: 'missing' in g ? g.missing : null,
      }, this.now());
      added++;
    }
    return added;
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

  /**
   * The weekly review: the trades entered in the week (Monday to Sunday, New York) holding
   * `date`, how many broke each rule, and the week's statistics with and without them.
   */
  weekReview(date: IsoDate, filter: Omit<TradeFilter, 'from' | 'to'> = {}): WeekReview {
    const from = weekStartDate(date);
    const to = addDays(from, 7);
    const trades = this.trades({ ...filter, from: nyMidnight(from), to: nyMidnight(to) });
    const ruleBreaks: Record<string, number> = {};
    for (const t of trades) for (const b of t.review.ruleBreaks) ruleBreaks[b.code] = (ruleBreaks[b.code] ?? 0) + 1;
    const closed = trades.filter((t) => t.trade.status !== 'open');
    const startEquity = startingEquity(this.o.trading.accounts(), this.build().trades);
    const statsOf = (list: ReviewedTrade[]) => statsOfTrades(
      list.map((t) => ({ pnlCents: t.trade.realized, r: t.review.r, entryTime: t.trade.entryTime, exitTime: t.trade.exitTime! })),
      { startEquityCents: sumKnown([...new Set(list.map((t) => t.trade.account))].map((a) => startEquity.get(a) ?? null)) },
    );
    return {
      from, to: addDays(to, -1), trades,
      ruleBreaks, tradesWithRuleBreaks: trades.filter((t) => t.review.ruleBreaks.length).length,
      stats: statsOf(closed), statsWithoutRuleBreaks: statsOf(closed.filter((t) => !t.review.ruleBreaks.length)),
    };
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

  /**
   * Fills from Alpaca's FILL activities (src/journal/alpaca-activities.ts) into `account`:
   * all or nothing like a CSV (a bad activity is named and nothing is written). Activities
   * already imported (same id) are skipped, and so are those of an order whose fills the
   * connected Alpaca broker already booked in the trading store (they would count twice).
   */
  importAlpacaActivities(activities: readonly Record<string, unknown>[], account: string): AlpacaImportReport {
    const problems: AlpacaImportReport['problems'] = [];
    const fills: Fill[] = [];
    for (const a of activities) {
      const f = fillFromActivity(a, account);
      if ('message' in f) problems.push(f);
      else fills.push(f);
    }
    if (problems.length) return { ok: false, imported: 0, alreadyImported: 0, bookedByBroker: 0, problems };
    const known = new Set(this.fills().map((f) => f.id));
    const brokerOrders = new Set(this.o.trading.fills().map((f) => f.orderId));
    const fresh = fills.filter((f) => !known.has(f.id) && !brokerOrders.has(f.orderId));
    if (fresh.length) this.o.journal.importFills('alpaca', fresh, this.now());
    return {
      ok: true, imported: fresh.length, problems: [],
      alreadyImported: fills.filter((f) => known.has(f.id)).length,
      bookedByBroker: fills.filter((f) => !known.has(f.id) && brokerOrders.has(f.orderId)).length,
    };
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
