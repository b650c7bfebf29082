/**
 * ChainService: "which expirations" and "the chain of one expiration" for an underlying at
 * the current clock, from the one source that fits the server (see ./index.ts).
 */
import { nyDate, nyWallClock, previousSession, sessionOn } from '../../calendar/index.js';
import { intrinsicValue, yearsToExpiry } from '../../options/metrics.js';
import type { OptionContract } from '../../core/occ.js';
import type { IsoDate } from '../../core/types.js';
import type { ChartHub } from '../../hub/hub.js';
import type { ChainResponse, ExpirationsResponse, MatrixEntry, QuoteSource, WireMatrixRow, WireOptionRow } from '../../wire/options-protocol.js';
import type { ChainExpiration } from '../../options/chain.js';
import { parseOptionTicker } from '../../core/occ.js';
import { defaultRiskFreeRate } from '../../options/rates.js';
import { MassiveChainSource } from '../../options/sources/massive.js';
import { ModelChainSource } from '../../options/sources/model.js';
import { RecordedChainSource, type RecordedOptionData } from '../../options/sources/recorded.js';
import { type ChainContext, type ChainSource, OptionDataNotFound, OptionDataUnavailable } from '../../options/sources/types.js';
import { blankRow, markOf, toMatrixRow, toWireRow } from './wire.js';

/** The replay feed's session, when the server runs one. */
export interface SessionClock {
  currentSession(): IsoDate;
}

export interface ChainServiceOptions {
  hub: ChartHub;
  /** The recorded option quotes, trades and open interest (the store) the replay's chains come from. */
  recorded: RecordedOptionData;
  /** Present when the server runs the replay feed. */
  replay?: SessionClock;
  /** Present when the server runs the Massive feed: then every chain comes from Massive. */
  massive?: MassiveChainSource;
}

interface UnderlyingPrice {
  price: number;
  /** Start of the minute bar the price comes from, or the snapshot time. */
  ts: number;
}

/** One chain computed at one instant, shared by REST, streams and matrices. */
interface ChainAt {
  response: ChainResponse;
  byTicker: Map<string, WireOptionRow>;
}

const CHAIN_CACHE_SIZE = 64;

export class ChainService {
  readonly recorded: RecordedChainSource;
  readonly model: ModelChainSource;
  readonly massive?: MassiveChainSource;
  private readonly hub: ChartHub;
  private readonly replay?: SessionClock;
  private readonly chainCache = new Map<string, Promise<ChainAt>>();
  /** First mark seen this session per contract, for sources that do not know the opening quote. */
  private readonly firstMarks = new Map<string, number>();
  private memoSession = '';
  /** Bumped on reset: work computed for an older timeline is not cached. */
  private generation = 0;

  constructor(options: ChainServiceOptions) {
    this.hub = options.hub;
    this.replay = options.replay;
    this.massive = options.massive;
    this.recorded = new RecordedChainSource(options.recorded);
    this.model = new ModelChainSource({
      minuteBars: (u, from, to) => this.hub.engine.series(u, '1m', false, from, to),
      dailyCloses: (u, before) => {
        const session = previousSession(nyDate(before));
        return this.hub.engine.series(u, '1D', false, undefined, session.midnight + 1).filter((b) => b.closed).map((b) => b.close);
      },
    });
  }

  /** The instant chains describe: the replay clock, or the wall clock live. */
  now(): number {
    return this.hub.feedNow();
  }

  session(): IsoDate {
    return this.replay?.currentSession() || nyDate(this.now());
  }

  /** Replay jumped or changed session: cached chains and per-session state are void. */
  reset(): void {
    this.generation++;
    this.chainCache.clear();
    this.firstMarks.clear();
    this.model.reset();
    this.massive?.reset();
  }

  async expirations(underlying: string): Promise<ExpirationsResponse> {
    const { ctx, source } = await this.context(underlying);
    const expirations = await source.expirations(ctx);
    return {
      underlying,
      at: ctx.at,
      underlyingPrice: ctx.underlyingPrice,
      source: source.kind,
      expirations: expirations.map((e) => ({ expiration: e.expiration, dte: e.dte, contracts: e.contracts, atmStrike: e.atmStrike })),
    };
  }

  async chain(underlying: string, expiration: IsoDate): Promise<ChainResponse> {
    return (await this.chainAt(underlying, expiration)).response;
  }

  /** The matrix rows for `entries` at the current instant; contracts without data get empty rows saying why. */
  async matrix(entries: readonly MatrixEntry[]): Promise<{ at: number; rows: WireMatrixRow[] }> {
    const at = this.now();
    const rows: WireMatrixRow[] = [];
    for (const entry of entries) {
      const contract = parseOptionTicker(entry.ticker, 'ticker');
      let row: WireOptionRow | undefined;
      let source: QuoteSource = this.defaultKind();
      let underlyingPrice: number | null = null;
      let reason = 'no_quote';
      try {
        const chain = await this.chainAt(contract.underlying, contract.expiration, at);
        row = chain.byTicker.get(entry.ticker);
        source = chain.response.source;
        underlyingPrice = chain.response.underlyingPrice;
        if (!row) reason = 'not_listed';
      } catch (err) {
        if (!(err instanceof OptionDataNotFound)) throw err;
        reason = /not an open/.test(err.message) ? 'expired' : 'no_quote';
      }
      const expired = yearsToExpiry(at, contract.expiration) <= 0;
      const wire = row ?? blankRow(contract, entry.ticker, expired ? 'expired' : reason);
      const openingMark = await this.openingMark(entry.ticker, source, wire, at);
      const settlement = expired ? await this.settlement(contract) : undefined;
      rows.push(toMatrixRow(wire, entry, { underlying: contract.underlying, underlyingPrice, source, openingMark, ...(expired ? { settlement } : {}) }));
    }
    return { at, rows };
  }

  /** The tickers of one expiration within `strikesAroundAtm` strikes of the ATM strike (what a chain panel shows). */
  visibleTickers(chain: ChainResponse, strikesAroundAtm: number): string[] {
    const strikes = [...new Set(chain.rows.map((r) => r.strike))].sort((a, b) => a - b);
    if (strikes.length === 0) return [];
    let atm = 0;
    for (let i = 1; i < strikes.length; i++) if (Math.abs(strikes[i]! - chain.underlyingPrice) < Math.abs(strikes[atm]! - chain.underlyingPrice)) atm = i;
    const lo = strikes[Math.max(0, atm - strikesAroundAtm)]!;
    const hi = strikes[Math.min(strikes.length - 1, atm + strikesAroundAtm)]!;
    return chain.rows.filter((r) => r.strike >= lo && r.strike <= hi).map((r) => r.ticker);
  }

  // ───────────────────────────── internals ─────────────────────────────

  private defaultKind(): QuoteSource {
    return this.massive ? 'massive' : 'recorded';
  }

  private async chainAt(underlying: string, expiration: IsoDate, at = this.now()): Promise<ChainAt> {
    const key = `${underlying}|${expiration}|${at}`;
    let hit = this.chainCache.get(key);
    if (!hit) {
      const generation = this.generation;
      hit = this.computeChain(underlying, expiration, at);
      if (this.chainCache.size >= CHAIN_CACHE_SIZE) this.chainCache.delete(this.chainCache.keys().next().value!);
      this.chainCache.set(key, hit);
      hit.catch(() => this.chainCache.delete(key));
      void hit.then(() => {
        if (generation !== this.generation) this.chainCache.delete(key);
      }, () => {});
    }
    return hit;
  }

  private async computeChain(underlying: string, expiration: IsoDate, at: number): Promise<ChainAt> {
    const { ctx, source } = await this.context(underlying, at);
    const open = await source.expirations(ctx);
    const exp = open.find((e) => e.expiration === expiration);
    if (!exp) throw new OptionDataNotFound(`expiration: ${expiration} is not an open ${underlying} expiration at ${nyTime(ctx.at)}; open: ${listExpirations(open)}`);
    const snap = await source.chain(ctx, expiration);
    const rows = snap.rows.map(toWireRow);
    const note = source.note?.(ctx);
    const response: ChainResponse = {
      underlying,
      expiration,
      dte: exp.dte,
      at: ctx.at,
      underlyingPrice: ctx.underlyingPrice,
      atmStrike: exp.atmStrike,
      source: source.kind,
      ...(note ? { note } : {}),
      rows,
    };
    this.noteMarks(rows);
    return { response, byTicker: new Map(rows.map((r) => [r.ticker, r])) };
  }

  private async context(underlying: string, at = this.now()): Promise<{ ctx: ChainContext; source: ChainSource }> {
    const session = this.session();
    const rate = defaultRiskFreeRate(session);
    if (this.massive) {
      const source = this.massive;
      let hasContracts: boolean;
      try {
        hasContracts = await source.has(underlying, session);
      } catch (err) {
        throw new OptionDataUnavailable(`underlying: Massive could not list ${underlying} options: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!hasContracts) throw new OptionDataNotFound(`underlying: No option data for ${underlying}: Massive lists no ${underlying} option contracts as of ${session}`);
      const price = (await this.underlyingPrice(underlying, session))?.price ?? (await source.snapshotUnderlyingPrice(underlying, session));
      if (!price) throw new OptionDataNotFound(`underlying: No option data for ${underlying}: no ${underlying} trade price yet today, so the chain cannot be priced`);
      return { ctx: { underlying, at, session, underlyingPrice: price, rate }, source };
    }
    const [price, recorded] = await Promise.all([this.underlyingPrice(underlying, session), this.recorded.has(underlying, session)]);
    if (!price) {
      const why = recorded
        ? `option quotes are recorded for ${session}, but no ${underlying} trade at or before ${nyTime(at)} to price them against`
        : `no ${underlying} trades and no recorded ${underlying} option quotes up to ${nyTime(at)}`;
      throw new OptionDataNotFound(`underlying: No option data for ${underlying}: ${why}`);
    }
    return { ctx: { underlying, at, session, underlyingPrice: price.price, rate }, source: recorded ? this.recorded : this.model };
  }

  /**
   * The last trade at or before the clock, from the chart side (the hub's bar engine), so
   * the chain and the chart agree. Only today's or the previous session's trades count: a
   * price from an older recording is no price.
   */
  private async underlyingPrice(underlying: string, session: IsoDate): Promise<UnderlyingPrice | null> {
    await this.hub.ensureLoaded(underlying);
    const bar = this.hub.engine.lastBar(underlying, '1m', true);
    if (!bar || bar.start < previousSession(session).preOpen) return null;
    return { price: bar.close, ts: bar.start };
  }

  /**
   * What an expired contract settled at: intrinsic value against the underlying's close of
   * the expiration day (the day's regular-session close; 0 out of the money). Null while
   * that close is not known (history not loaded, or the expiration's session is not in it).
   */
  private async settlement(contract: OptionContract): Promise<number | null> {
    const session = sessionOn(contract.expiration);
    if (!session) return null;
    await this.hub.ensureLoaded(contract.underlying);
    const engine = this.hub.engine;
    const daily = engine.series(contract.underlying, '1D', false, session.midnight, session.midnight + 1)[0];
    const close = daily?.closed ? daily.close : engine.series(contract.underlying, '1m', false, session.open, session.close).at(-1)?.close;
    return close === undefined ? null : intrinsicValue(contract.right, close, contract.strike);
  }

  private noteMarks(rows: readonly WireOptionRow[]): void {
    const session = this.session();
    if (session !== this.memoSession) {
      this.firstMarks.clear();
      this.memoSession = session;
    }
    for (const r of rows) {
      const mark = markOf(r);
      if (mark !== null && !this.firstMarks.has(r.ticker)) this.firstMarks.set(r.ticker, mark);
    }
  }

  private async openingMark(ticker: string, source: QuoteSource, row: WireOptionRow, at: number): Promise<number | null> {
    if (source === 'recorded') {
      const mark = await this.recorded.openingMark(ticker, this.session(), at);
      if (mark !== null) return mark;
    }
    if (source === 'massive' && this.massive) {
      const mark = await this.massive.openingMark(ticker);
      if (mark !== null) return mark;
    }
    return this.firstMarks.get(ticker) ?? markOf(row);
  }
}

function listExpirations(open: readonly ChainExpiration[]): string {
  return open.length === 0 ? 'none (all expired)' : open.map((e) => e.expiration).join(', ');
}

/** "2015-12-24 11:00 ET" for sentences. */
function nyTime(ms: number): string {
  const w = nyWallClock(ms);
  return `${w.date} ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')} ET`;
}
