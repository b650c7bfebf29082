/**
 * MassiveChainSource: the chain when the server runs the Massive feed.
 *
 * - Listing: contract reference (`/v3/reference/options/contracts`, as of today), cached
 *   for ten minutes — strikes and expirations do not change intraday.
 * - Rows: the chain snapshot (`/v3/snapshot/options/{u}?expiration_date=`) per expiration,
 *   refreshed when older than `snapshotTtlMs`, overlaid with newer WebSocket `Q` quotes.
 * - Live quotes only for what someone looks at: `watch(tickers)` is told the contracts on
 *   screen (a strike window around ATM per chain stream) and in matrices, subscribes the
 *   new ones and unsubscribes the rest, never above the 1,000-contract connection limit
 *   (matrix contracts first, since they are held).
 * - Says what the quotes are (`note`): a plan without option quotes (every snapshot row came
 *   without a quote: "—" there is not "no market"), delayed quotes, or the quote stream
 *   refused or reconnecting. After the quote stream reconnects, snapshots are re-fetched:
 *   quotes missed meanwhile are only in REST.
 */
import type { IsoDate, OptionQuote } from '../../core/types.js';
import { nyDate } from '../../calendar/index.js';
import type { MassiveFeed, OptionChainEntry, OptionContract as MassiveContract } from '../../feeds/massive/index.js';
import { MAX_OPTION_CONTRACTS_PER_CONNECTION } from '../../feeds/massive/index.js';
import { OptionChainIndex, atTheMoneyStrike, type ChainExpiration, type ChainSnapshot } from '../../options/chain.js';
import { daysToExpiry, quoteMark, yearsToExpiry } from '../../options/metrics.js';
import type { ChainContext, ChainSource } from './types.js';

const NO_QUOTES_NOTE =
  "Your Massive plan does not include option quotes: the chain snapshot came without a bid or ask for any contract, so they show — (that is not a market without bids). A plan with options quotes fills them in.";

export interface MassiveChainSourceOptions {
  /** Contract budget for live quotes. Default 1,000 (Massive's per-connection limit). */
  maxLiveContracts?: number;
  /** How long a REST chain snapshot is reused. Default 15 s. */
  snapshotTtlMs?: number;
  /** How long the contract listing is reused. Default 10 min. */
  contractsTtlMs?: number;
  now?: () => number;
}

interface Cached<T> {
  fetchedAt: number;
  value: Promise<T>;
}

export class MassiveChainSource implements ChainSource {
  readonly kind = 'massive' as const;
  private readonly contracts = new Map<string, Cached<MassiveContract[]>>();
  private readonly snapshots = new Map<string, Cached<OptionChainEntry[]>>();
  private readonly live = new Map<string, OptionQuote>();
  /** First two-sided mark per contract of `firstMarksDay` (a server left running overnight starts a new day). */
  private readonly firstMarks = new Map<string, number>();
  private firstMarksDay = '';
  private readonly subscribed = new Set<string>();
  /** Underlyings whose latest snapshot had no quote on any row (a plan without option quotes). */
  private readonly withoutQuotes = new Set<string>();
  /** The quote stream's session count when the snapshots were fetched (see note on reconnects). */
  private quoteSessions = 0;
  private readonly maxLive: number;
  private readonly snapshotTtlMs: number;
  private readonly contractsTtlMs: number;
  private readonly now: () => number;
  /** Counters for tests and health. */
  readonly counters = { snapshotRequests: 0, contractRequests: 0, quotes: 0, refusedByBudget: 0 };

  constructor(private readonly feed: MassiveFeed, options: MassiveChainSourceOptions = {}) {
    this.maxLive = options.maxLiveContracts ?? MAX_OPTION_CONTRACTS_PER_CONNECTION;
    this.snapshotTtlMs = options.snapshotTtlMs ?? 15_000;
    this.contractsTtlMs = options.contractsTtlMs ?? 600_000;
    this.now = options.now ?? Date.now;
  }

  async has(underlying: string, session: IsoDate): Promise<boolean> {
    return (await this.listing(underlying, session)).length > 0;
  }

  async expirations(ctx: ChainContext): Promise<ChainExpiration[]> {
    const byExpiration = new Map<IsoDate, number[]>();
    for (const c of await this.listing(ctx.underlying, ctx.session)) {
      let strikes = byExpiration.get(c.expiration);
      if (!strikes) byExpiration.set(c.expiration, (strikes = []));
      strikes.push(c.strike);
    }
    const out: ChainExpiration[] = [];
    for (const expiration of [...byExpiration.keys()].sort()) {
      const years = yearsToExpiry(ctx.at, expiration);
      if (years <= 0) continue;
      const strikes = byExpiration.get(expiration)!;
      out.push({ expiration, dte: daysToExpiry(ctx.at, expiration), years, contracts: strikes.length, atmStrike: atTheMoneyStrike(strikes, ctx.underlyingPrice)! });
    }
    return out;
  }

  async chain(ctx: ChainContext, expiration: IsoDate): Promise<ChainSnapshot> {
    const entries = await this.snapshot(ctx.underlying, expiration);
    const quotes: OptionQuote[] = [];
    const openInterest = new Map<string, number>();
    for (const e of entries) {
      const live = this.live.get(e.contract.ticker);
      quotes.push(live && live.ts >= e.quote.ts ? live : { ...e.quote, ticker: e.contract.ticker });
      if (e.openInterest !== null) openInterest.set(e.contract.ticker, e.openInterest);
    }
    if (quotes.length === 0) return { at: ctx.at, underlyingPrice: ctx.underlyingPrice, expirations: [], atmStrike: null, rows: [] };
    // A quote stamped after `at` (clock skew between us and Massive) is still the latest: clamp.
    for (let i = 0; i < quotes.length; i++) if (quotes[i]!.ts > ctx.at) quotes[i] = { ...quotes[i]!, ts: ctx.at };
    return OptionChainIndex.fromQuotes(quotes).snapshot({ at: ctx.at, underlyingPrice: ctx.underlyingPrice, rate: ctx.rate, expirations: [expiration], openInterest });
  }

  /** A sentence for the chain header when its quotes are not plain live quotes. */
  note(ctx: ChainContext): string | undefined {
    const parts: string[] = [];
    if (this.withoutQuotes.has(ctx.underlying)) parts.push(NO_QUOTES_NOTE);
    const stream = this.feed.optionQuotesStatus();
    if (stream.state === 'down' || stream.state === 'degraded') {
      parts.push(`Live option quotes are paused, so rows show Massive's last snapshot: ${stream.message ?? 'the options stream is not connected.'}`);
    } else if (this.feed.endpoints().options.delayed) {
      parts.push('Option quotes are 15 minutes delayed (Massive delayed options data).');
    }
    return parts.length > 0 ? parts.join(' ') : undefined;
  }

  async openingMark(ticker: string): Promise<number | null> {
    if (this.firstMarksDay !== nyDate(this.now())) return null;
    return this.firstMarks.get(ticker) ?? null;
  }

  /** The underlying price Massive reported with the latest snapshot of `underlying`, if any. */
  async snapshotUnderlyingPrice(underlying: string, session: IsoDate): Promise<number | null> {
    for (const [key, cached] of this.snapshots) {
      if (!key.startsWith(`${underlying}|`)) continue;
      const price = (await cached.value.catch(() => [])).find((e) => e.underlyingPrice !== null)?.underlyingPrice;
      if (price) return price;
    }
    // Nothing fetched yet: the nearest expiration's snapshot says it.
    const nearest = (await this.listing(underlying, session)).map((c) => c.expiration).sort()[0];
    if (!nearest) return null;
    return (await this.snapshot(underlying, nearest)).find((e) => e.underlyingPrice !== null)?.underlyingPrice ?? null;
  }

  /** A WebSocket quote (from the hub's feed observer). Returns true when it is for a contract we stream. */
  onQuote(quote: OptionQuote): boolean {
    if (!this.subscribed.has(quote.ticker)) return false;
    const prev = this.live.get(quote.ticker);
    if (prev && prev.ts > quote.ts) return false;
    this.live.set(quote.ticker, quote);
    this.counters.quotes++;
    const day = nyDate(quote.ts);
    if (day > this.firstMarksDay) {
      this.firstMarks.clear();
      this.firstMarksDay = day;
    }
    if (day === this.firstMarksDay && !this.firstMarks.has(quote.ticker)) {
      // openingMark's rule, one quote at a time: the day's first quote with a mark.
      const mark = quoteMark(quote.bid, quote.ask);
      if (mark !== null) this.firstMarks.set(quote.ticker, mark);
    }
    return true;
  }

  /**
   * The contracts someone watches, most important first (held/matrix, then chain windows).
   * Subscribes the new ones and unsubscribes those nobody watches, within the budget.
   */
  watch(tickers: Iterable<string>): void {
    const wanted = new Set<string>();
    for (const t of tickers) {
      if (wanted.size >= this.maxLive) {
        if (!wanted.has(t)) this.counters.refusedByBudget++;
        continue;
      }
      wanted.add(t);
    }
    const drop = [...this.subscribed].filter((t) => !wanted.has(t));
    const add = [...wanted].filter((t) => !this.subscribed.has(t));
    if (drop.length > 0) {
      for (const t of drop) {
        this.subscribed.delete(t);
        this.live.delete(t);
      }
      this.feed.unsubscribe(drop);
    }
    if (add.length > 0) {
      for (const t of add) this.subscribed.add(t);
      this.feed.subscribe(add);
    }
  }

  /** Contracts currently streamed live. */
  liveContracts(): string[] {
    return [...this.subscribed];
  }

  reset(): void {
    this.firstMarks.clear();
  }

  private listing(underlying: string, session: IsoDate): Promise<MassiveContract[]> {
    return this.cached(this.contracts, `${underlying}|${session}`, this.contractsTtlMs, () => {
      this.counters.contractRequests++;
      return this.feed.fetchOptionContracts(underlying, undefined, session);
    });
  }

  private snapshot(underlying: string, expiration: IsoDate): Promise<OptionChainEntry[]> {
    const sessions = this.feed.optionQuotesStatus().sessions;
    if (sessions !== this.quoteSessions) {
      this.quoteSessions = sessions;
      this.snapshots.clear();
    }
    return this.cached(this.snapshots, `${underlying}|${expiration}`, this.snapshotTtlMs, () => {
      this.counters.snapshotRequests++;
      const loading = this.feed.fetchOptionChainSnapshot(underlying, expiration);
      void loading.then((entries) => {
        if (entries.length === 0) return;
        if (entries.some((e) => e.hasQuote)) this.withoutQuotes.delete(underlying);
        else this.withoutQuotes.add(underlying);
      }, () => {});
      return loading;
    });
  }

  /** TTL cache of promises: concurrent readers share one request; a failure is not cached. */
  private cached<T>(map: Map<string, Cached<T>>, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit && this.now() - hit.fetchedAt < ttlMs) return hit.value;
    const value = load();
    const entry = { fetchedAt: this.now(), value };
    map.set(key, entry);
    value.catch(() => {
      if (map.get(key) === entry) map.delete(key);
    });
    return value;
  }
}
