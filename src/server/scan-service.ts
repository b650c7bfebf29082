/**
 * The server's scanner, checklist and covered-call screener, wired to what the server has:
 * bars from the ChartHub's engine (replay or live clock, src/hub/hub-reader.ts), option
 * chains from the ChainService (recorded or Massive; model-priced chains are never used as
 * market quotes for grades or liquidity), universes from the store's settings. A replay
 * jump resets every cache.
 */
import { nyDate } from '../calendar/index.js';
import { InputError } from '../core/errors.js';
import { hubReader } from '../hub/hub-reader.js';
import type { ChartHub } from '../hub/hub.js';
import type { CoveredCallsResponse, IndicatorsResponse, ScanRequest, ScanResponse, ScanResultRow } from '../wire/scanner-protocol.js';
import { MemoryBarReader, computeOverlays } from '../indicators/index.js';
import { isIntraday, timeframeMinutes, type Timeframe } from '../core/types.js';
import { ChecklistService, type ContractLookup, type Direction, type ChecklistResult } from '../checklist/index.js';
import { daysToExpiry, defaultRiskFreeRate, yearsToExpiry } from '../options/index.js';
import { parseOptionTicker } from '../core/occ.js';
import type { ChainService } from '../services/options/index.js';
import {
  FIELDS, Scanner, UNIVERSE_NAMES, applySpec, liquidityFromContracts, parseGroup, parseLimit, parseSort, presetNamed, resolveUniverse,
  snapshotCandidates, toWireScanRow, type FieldDef, type MassiveSnapshotSource, type ScanRow, type ScanSpec,
} from '../scanner/index.js';
import { coveredCallParams, screenCoveredCalls } from '../screener/index.js';
import type { MarketStore } from '../store/types.js';
import type { ReplayFeed } from '../feeds/replay/index.js';
import { DEFAULT_WATCHLIST } from './routes.js';

export const UNIVERSE_SETTING_PREFIX = 'scan.universe.';

/** The dashboard's watchlist as src/server/routes.ts keeps it (setting `watchlist`, default list otherwise). */
export function storedWatchlist(store: MarketStore): string[] {
  const saved = store.setting<unknown>('watchlist');
  return Array.isArray(saved) && saved.every((s) => typeof s === 'string') ? (saved as string[]) : [...DEFAULT_WATCHLIST];
}

export interface ScanServiceDeps {
  hub: ChartHub;
  store: MarketStore;
  chains: ChainService;
  replay?: ReplayFeed;
  watchlist: () => string[];
  /** Live: Massive's full-market snapshot, which makes `all` the whole market. */
  snapshot?: MassiveSnapshotSource;
}

/** Live `all` scans: how many snapshot candidates get full (history-based) fields, and how long a snapshot is reused. */
export const LIVE_CANDIDATES = 100;
export const SNAPSHOT_MAX_AGE_MS = 15_000;

export class ScanService {
  readonly scanner: Scanner;
  readonly checklist: ChecklistService;
  private readonly contracts: ContractLookup;
  private readonly unobserve: () => void;
  /** States seeded from snapshots alone (kept apart from the history-built ones). */
  private readonly snapshotScanner = new Scanner({ reader: new MemoryBarReader() });
  private live: { fetchedAt: number; rows: ScanRow[] } | null = null;

  constructor(private readonly deps: ScanServiceDeps) {
    const reader = hubReader(deps.hub, () => this.allSymbols());
    this.contracts = chainServiceContracts(deps.chains);
    this.scanner = new Scanner({ reader, options: liquidityFromContracts(this.contracts) });
    this.checklist = new ChecklistService({ reader, contracts: this.contracts });
    this.unobserve = deps.hub.observe({ onReset: () => this.reset() });
  }

  now(): number {
    return this.deps.hub.feedNow();
  }

  reset(): void {
    this.scanner.reset();
    this.checklist.reset();
  }

  stop(): void {
    this.unobserve();
  }

  /** `all` on the server: the replay session's recorded symbols plus the watchlist (live: the watchlist and big caps). */
  allSymbols(): string[] {
    const replay = this.deps.replay;
    const recorded = replay ? (replay.recordedSessions().find((s) => s.date === replay.currentSession())?.symbols ?? []) : [];
    const live = replay ? [] : this.universeList('big-caps') ?? [];
    return [...new Set([...recorded, ...this.deps.watchlist(), ...live])];
  }

  universeList(name: 'big-caps' | 'small-caps'): string[] | undefined {
    const saved = this.deps.store.setting<unknown>(UNIVERSE_SETTING_PREFIX + name);
    return Array.isArray(saved) && saved.every((s) => typeof s === 'string') ? (saved as string[]) : undefined;
  }

  setUniverseList(name: string, symbols: string[]): void {
    if (name !== 'big-caps' && name !== 'small-caps') throw new InputError('name', `must be big-caps or small-caps (the others are ${UNIVERSE_NAMES.filter((n) => n !== 'big-caps' && n !== 'small-caps').join(', ')})`);
    this.deps.store.setSetting(UNIVERSE_SETTING_PREFIX + name, symbols);
  }

  /** A validated scan spec from a request; throws InputError naming the field. */
  spec(req: ScanRequest): ScanSpec & { preset: string | null } {
    if (req.preset === undefined && req.filter === undefined) throw new InputError('preset', 'give a preset (gappers, orb, high-rvol, in-play) or a filter');
    const base = req.preset !== undefined ? presetNamed(req.preset) : undefined;
    return {
      preset: base?.name ?? null,
      filter: req.filter !== undefined ? parseGroup(req.filter) : base!.filter,
      sort: req.sort !== undefined ? parseSort(req.sort) : base?.sort ?? { field: 'rel_volume', dir: 'desc' },
      limit: req.limit !== undefined ? parseLimit(req.limit) : base?.limit ?? 10,
    };
  }

  symbolsOf(req: ScanRequest): string[] {
    const lists: Partial<Record<'big-caps' | 'small-caps', string[]>> = {};
    for (const name of ['big-caps', 'small-caps'] as const) {
      const l = this.universeList(name);
      if (l) lists[name] = l;
    }
    return resolveUniverse(req.universe, { all: () => this.allSymbols(), watchlist: this.deps.watchlist, lists });
  }

  async scan(req: ScanRequest): Promise<ScanResponse> {
    const spec = this.spec(req);
    const at = this.now();
    const result = this.deps.snapshot && (req.universe ?? 'all') === 'all' ? await this.scanLiveMarket(spec, at) : await this.scanner.scan(this.symbolsOf(req), at, spec);
    const rows: ScanResultRow[] = [];
    for (const r of result.rows) {
      const [long, short] = await Promise.all([this.gradeOrNull(r.symbol, 'long', at), this.gradeOrNull(r.symbol, 'short', at)]);
      rows.push({ ...toWireScanRow(r), grade_long: long, grade_short: short });
    }
    return { at, preset: spec.preset, universe: result.universe, withData: result.withData, rows };
  }

  /**
   * Live `all`: the full-market snapshot picks LIVE_CANDIDATES symbols, which get full fields
   * from their minute history; a candidate without history keeps its snapshot fields.
   */
  private async scanLiveMarket(spec: ScanSpec, at: number): Promise<{ universe: number; withData: number; rows: ScanRow[] }> {
    const snap = await this.liveSnapshot(at);
    const def = FIELDS[spec.sort.field] as FieldDef;
    const sign = spec.sort.dir === 'desc' ? 1 : -1;
    const candidates = snapshotCandidates(snap, (r) => {
      const v = def.get(r);
      return typeof v === 'number' ? sign * v : null;
    }, LIVE_CANDIDATES);
    const full = new Map((await this.scanner.refresh(candidates, at)).rows.map((r) => [r.symbol, r]));
    const bySymbol = new Map(snap.map((r) => [r.symbol, r]));
    const merged = candidates.map((s) => full.get(s) ?? bySymbol.get(s)!).filter(Boolean);
    return { universe: snap.length, withData: snap.length, rows: applySpec(merged, spec) };
  }

  private async liveSnapshot(at: number): Promise<ScanRow[]> {
    const wall = Date.now();
    if (this.live && wall - this.live.fetchedAt < SNAPSHOT_MAX_AGE_MS) return this.live.rows;
    const { rows } = await this.deps.snapshot!.fetch();
    this.live = { fetchedAt: wall, rows: this.snapshotScanner.applySnapshot(rows, at) };
    return this.live.rows;
  }

  async grade(symbol: string, direction: Direction, contract?: string): Promise<ChecklistResult> {
    return this.checklist.grade(symbol, direction, this.now(), contract);
  }

  private async gradeOrNull(symbol: string, direction: Direction, at: number): Promise<string | null> {
    try {
      return (await this.checklist.grade(symbol, direction, at)).grade;
    } catch {
      return null;
    }
  }

  /** Chart overlays for one series, from the same engine the chart reads (src/indicators/overlays.ts). */
  async overlays(symbol: string, tf: Timeframe, extended: boolean): Promise<IndicatorsResponse> {
    const hub = this.deps.hub;
    const bars = await hub.bars({ symbol, tf, extended, badPrints: 'hide' });
    const minutes = hub.engine.series(symbol, '1m', true);
    const daily = hub.engine.series(symbol, '1D', false).filter((b) => b.closed);
    const overlays = computeOverlays({ tfMinutes: isIntraday(tf) ? timeframeMinutes(tf) : null, bars, minutes, daily });
    return { symbol, tf, extended, at: this.now(), ...overlays };
  }

  async coveredCalls(query: Record<string, string | undefined>): Promise<CoveredCallsResponse> {
    const { underlying, expiration: wanted, ...rest } = query;
    if (!underlying) throw new InputError('underlying', 'is required (a ticker like GOOG)');
    const params = coveredCallParams(Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, k === 'rank' ? v : v === undefined || v.trim() === '' ? v : Number(v)])));
    const exps = await this.deps.chains.expirations(underlying);
    const expiration = wanted ?? exps.expirations[0]?.expiration;
    if (!expiration) throw new InputError('expiration', `no open ${underlying} expiration now`);
    if (!exps.expirations.some((e) => e.expiration === expiration)) throw new InputError('expiration', `${expiration} is not an open ${underlying} expiration (open: ${exps.expirations.map((e) => e.expiration).join(', ')})`);
    const chain = await this.deps.chains.chain(underlying, expiration);
    const date = nyDate(chain.at);
    const input = {
      underlying, at: chain.at, spot: chain.underlyingPrice, expiration, dte: daysToExpiry(chain.at, expiration), years: yearsToExpiry(chain.at, expiration),
      rate: defaultRiskFreeRate(date), dividendYield: 0, rows: chain.rows,
    };
    const res = screenCoveredCalls(input, params);
    return { underlying, at: chain.at, spot: chain.underlyingPrice, expiration, dte: input.dte, source: chain.source, params, rows: res.rows, rejected: res.rejected };
  }
}

/** The checklist's contract lookup over the ChainService; model-priced chains count as "no market quotes". */
export function chainServiceContracts(chains: ChainService): ContractLookup {
  return {
    chainAt: async (underlying, at, _spot, ticker) => {
      try {
        const exps = await chains.expirations(underlying);
        if (exps.source === 'model') return { missing: `no recorded or live ${underlying} option quotes (only model prices)` };
        const expiration = ticker ? parseOptionTicker(ticker, 'contract').expiration : exps.expirations[0]?.expiration;
        if (!expiration) return { missing: `no open ${underlying} expiration` };
        const chain = await chains.chain(underlying, expiration);
        return { rows: chain.rows, dteOf: (e) => exps.expirations.find((x) => x.expiration === e)?.dte ?? daysToExpiry(at, e) };
      } catch (e) {
        return { missing: e instanceof Error ? e.message : String(e) };
      }
    },
  };
}
