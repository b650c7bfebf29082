/**
 * Massive REST access through the vendor's official client (`@massive.com/client-js`).
 *
 * Why we paginate ourselves instead of the client's `pagination: true` option: the
 * client's paginator (v10.8) recursively follows `next_url` inside an axios interceptor
 * and merges pages as `[...nextPage, ...thisPage]`, i.e. in reverse page order, keeps no
 * bound on the number of pages, and a 429 on page 7 throws away pages 1–6. We follow
 * `next_url` page by page instead — still through the official client's generated
 * methods: the cursor goes in as an extra axios query param (`options.params`), which the
 * generated methods pass through — so each page gets its own 429/5xx retry.
 */
import {
  GetStocksAggregatesSortEnum,
  GetStocksAggregatesTimespanEnum,
  restClient,
  type DefaultApi,
} from '@massive.com/client-js';
import type { z } from 'zod';
import type { MinuteAggregate, OptionQuote } from '../../core/types.js';
import { backoffDelay, parseRetryAfter, type BackoffOptions, type TimerSet } from '../../core/backoff.js';
import { parseOccTicker, type ListedOptionContract } from '../../core/occ.js';
import {
  AggregatesResponse,
  ChainSnapshotResponse,
  ContractsResponse,
  type ChainSnapshotEntry,
  type ContractDetails,
} from './messages.js';

/** Massive's documented maximum for `/v2/aggs` `limit`, counted in base (1-minute) bars. */
export const AGGS_MAX_LIMIT = 50_000;
/** Documented page-size maxima of the v3 option endpoints. */
export const CHAIN_SNAPSHOT_MAX_LIMIT = 250;
export const CONTRACTS_MAX_LIMIT = 1000;
/** Safety valve against a server that keeps handing out the same `next_url`. */
const MAX_PAGES = 500;

export type MassiveErrorKind =
  | 'auth'
  | 'entitlement'
  | 'rate_limit'
  | 'timeout'
  | 'network'
  | 'server'
  | 'bad_request'
  | 'malformed'
  | 'stopped';

/** A provider failure whose `message` is a sentence a trader can act on. */
export class MassiveError extends Error {
  constructor(
    message: string,
    readonly kind: MassiveErrorKind,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'MassiveError';
  }
}

/** One option contract as the reference/snapshot endpoints describe it: the contract plus Massive's listing details. */
export interface OptionContract extends ListedOptionContract {
  exerciseStyle: string | null;
  sharesPerContract: number;
}

/** One row of `/v3/snapshot/options/{underlying}`: contract, NBBO and analytics. */
export interface OptionChainEntry {
  contract: OptionContract;
  /** `ts` is 0 when Massive did not say when the quote was updated (treat as stale). */
  quote: OptionQuote;
  /**
   * Whether the row carried a quote at all (`last_quote` with a price or a time). A chain
   * where no row does is a plan without option quotes, not a market without bids.
   */
  hasQuote: boolean;
  openInterest: number | null;
  impliedVolatility: number | null;
  greeks: { delta: number | null; gamma: number | null; theta: number | null; vega: number | null } | null;
  underlyingPrice: number | null;
}

/** Callbacks the feed uses to turn REST trouble into FeedStatus. */
export interface RestHooks {
  onRateLimited(waitMs: number, attempt: number): void;
  onFailure(err: MassiveError): void;
  onSuccess(): void;
  /** An aggregates answer said `"status":"DELAYED"`: the plan serves delayed data. */
  onDelayed?(): void;
}

export interface MassiveRestOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  retry: BackoffOptions & { maxAttempts: number };
  /**
   * 429 without `Retry-After`. Massive's limits are per minute (the free tier: 5 requests a
   * minute) and the answer does not say when the window frees up, so quick retries inside the
   * same minute all fail: back off in steps of this schedule, and give up only once a 429
   * still comes after `windowMs × 3` of waiting.
   */
  rateLimit: BackoffOptions & { windowMs: number };
  /** Massive's `adjusted` flag for history (see MassiveFeedConfig.adjusted). */
  adjusted: boolean;
  timers: TimerSet;
  hooks: RestHooks;
}

/** Shape of an axios error as the official client rethrows it; duck-typed to avoid importing axios. */
interface HttpishError {
  code?: string;
  message?: string;
  response?: { status?: number; headers?: Record<string, unknown>; data?: unknown };
}

export class MassiveRest {
  private readonly client: DefaultApi;

  constructor(private readonly opts: MassiveRestOptions) {
    // The key travels as the `apiKey` query parameter (the client's own choice).
    this.client = restClient(opts.apiKey, opts.baseUrl);
  }

  /** 1-minute bars with start in [fromMs, toMs), ascending, de-duplicated by start. */
  async fetchMinuteAggregates(symbol: string, fromMs: number, toMs: number): Promise<MinuteAggregate[]> {
    if (!(toMs > fromMs)) return [];
    // Massive's `to` is inclusive; ours is exclusive.
    return this.fetchAggregates(symbol, 'minute', String(fromMs), String(toMs - 1), (t) => t >= fromMs && t < toMs);
  }

  /**
   * The vendor's daily bars (`/range/1/day/`) of the New York days `fromDay`..`toDay`
   * (inclusive, `YYYY-MM-DD`), ascending; each starts at 00:00 New York of its session.
   */
  fetchDailyAggregates(symbol: string, fromDay: string, toDay: string): Promise<MinuteAggregate[]> {
    if (toDay < fromDay) return Promise.resolve([]);
    return this.fetchAggregates(symbol, 'day', fromDay, toDay, () => true);
  }

  private async fetchAggregates(
    symbol: string,
    span: 'minute' | 'day',
    fromParam: string,
    to: string,
    keep: (start: number) => boolean,
  ): Promise<MinuteAggregate[]> {
    const bars = new Map<number, MinuteAggregate>();
    let from = fromParam;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.call(`${span === 'day' ? 'daily' : 'minute'} history for ${symbol}`, AggregatesResponse, () =>
        this.client.getStocksAggregates(
          {
            stocksTicker: symbol,
            multiplier: 1,
            timespan: span === 'day' ? GetStocksAggregatesTimespanEnum.Day : GetStocksAggregatesTimespanEnum.Minute,
            from,
            to,
            adjusted: this.opts.adjusted,
            sort: GetStocksAggregatesSortEnum.Asc,
            limit: AGGS_MAX_LIMIT,
          },
          this.requestOptions(cursor),
        ),
      );
      if (res.status === 'DELAYED') this.opts.hooks.onDelayed?.();
      for (const bar of res.results ?? []) {
        if (!keep(bar.t)) continue;
        bars.set(bar.t, {
          symbol,
          start: bar.t,
          open: bar.o,
          high: bar.h,
          low: bar.l,
          close: bar.c,
          volume: bar.v,
          ...(bar.vw !== undefined && { vwap: bar.vw }),
          ...(bar.n !== undefined && { trades: bar.n }),
        });
      }
      if (!res.next_url) break;
      // Massive's aggregate next_url moves `from` in the path to the next bar and carries
      // the remaining query state in `cursor`; follow both.
      const next = parseNextUrl(res.next_url);
      if (next.from === from && next.cursor === cursor) break; // no progress: stop, don't loop
      from = next.from ?? from;
      cursor = next.cursor;
    }
    return [...bars.values()].sort((a, b) => a.start - b.start);
  }

  /** Every contract of `underlying` with its latest NBBO (`/v3/snapshot/options/{underlying}`). */
  async fetchOptionChainSnapshot(underlying: string, expiration?: string): Promise<OptionChainEntry[]> {
    const out: OptionChainEntry[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.call(`the ${underlying} option chain`, ChainSnapshotResponse, () =>
        this.client.getOptionsChain(
          {
            underlyingAsset: underlying,
            ...(expiration !== undefined && { expirationDate: expiration }),
            limit: CHAIN_SNAPSHOT_MAX_LIMIT,
          },
          this.requestOptions(cursor),
        ),
      );
      for (const entry of res.results ?? []) out.push(toChainEntry(underlying, entry));
      const next = res.next_url ? parseNextUrl(res.next_url).cursor : undefined;
      if (!next || next === cursor) break;
      cursor = next;
    }
    return out;
  }

  /**
   * Contract reference data (`/v3/reference/options/contracts`). Massive lists only
   * contracts live on `as_of` (default today) unless `expired=true`, so an expiration
   * before that day asks for expired ones; pass `asOf` to see a past day's chain.
   */
  async fetchOptionContracts(underlying: string, expiration?: string, asOf?: string): Promise<OptionContract[]> {
    const day = asOf ?? isoToday();
    const out: OptionContract[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.call(`the ${underlying} option contracts`, ContractsResponse, () =>
        this.client.listOptionsContracts(
          {
            underlyingTicker: underlying,
            ...(expiration !== undefined && { expirationDate: expiration, expired: expiration < day }),
            ...(asOf !== undefined && { asOf }),
            limit: CONTRACTS_MAX_LIMIT,
          },
          this.requestOptions(cursor),
        ),
      );
      for (const c of res.results ?? []) {
        const contract = toContract(underlying, c);
        if (contract) out.push(contract);
      }
      const next = res.next_url ? parseNextUrl(res.next_url).cursor : undefined;
      if (!next || next === cursor) break;
      cursor = next;
    }
    return out;
  }

  private requestOptions(cursor: string | undefined): { timeout: number; params?: Record<string, string> } {
    return { timeout: this.opts.timeoutMs, ...(cursor !== undefined && { params: { cursor } }) };
  }

  /**
   * One request with retries: 429 waits max(Retry-After, backoff); 5xx, timeouts and
   * network errors back off; 401/403/other 4xx fail at once (retrying cannot fix a key).
   */
  private async call<S extends z.ZodType>(what: string, schema: S, request: () => Promise<unknown>): Promise<z.infer<S>> {
    const { retry, rateLimit, timers, hooks } = this.opts;
    let limitedSince: number | undefined;
    let limitedAttempt = 0;
    for (let attempt = 0; ; attempt++) {
      let failure: MassiveError;
      let waitMs: number | undefined;
      try {
        const body = await request();
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new MassiveError(
            `Massive sent an answer for ${what} that optdesk does not understand (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}).`,
            'malformed',
          );
        }
        hooks.onSuccess();
        return parsed.data;
      } catch (err) {
        if (err instanceof MassiveError) {
          hooks.onFailure(err);
          throw err;
        }
        ({ failure, waitMs } = classifyHttpError(err as HttpishError, what));
      }
      let delay: number;
      if (failure.kind === 'rate_limit' && waitMs === undefined) {
        const now = timers.now();
        limitedSince ??= now;
        if (now - limitedSince >= rateLimit.windowMs * 3) {
          hooks.onFailure(failure);
          throw failure;
        }
        delay = backoffDelay(limitedAttempt++, rateLimit);
        attempt--; // the minute window, not the attempt budget, decides here
        hooks.onRateLimited(delay, limitedAttempt);
        try {
          await timers.sleep(delay);
        } catch {
          throw new MassiveError(`The Massive feed was stopped while ${what} was being retried.`, 'stopped');
        }
        continue;
      }
      const retryable = failure.kind === 'rate_limit' || failure.kind === 'server' || failure.kind === 'network' || failure.kind === 'timeout';
      if (!retryable || attempt + 1 >= retry.maxAttempts) {
        hooks.onFailure(failure);
        throw failure;
      }
      delay = Math.max(waitMs ?? 0, backoffDelay(attempt, retry));
      if (failure.kind === 'rate_limit') hooks.onRateLimited(delay, attempt + 1);
      try {
        await timers.sleep(delay);
      } catch {
        throw new MassiveError(`The Massive feed was stopped while ${what} was being retried.`, 'stopped');
      }
    }
  }
}

function classifyHttpError(err: HttpishError, what: string): { failure: MassiveError; waitMs?: number } {
  const status = err.response?.status;
  const vendorText = vendorMessage(err.response?.data);
  const said = vendorText ? ` Massive says: "${vendorText}"` : '';
  if (status === undefined) {
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || /timeout/i.test(err.message ?? '')) {
      return { failure: new MassiveError(`Massive did not answer the request for ${what} in time.`, 'timeout') };
    }
    return {
      failure: new MassiveError(`Could not reach Massive for ${what} (${err.code ?? err.message ?? 'network error'}).`, 'network'),
    };
  }
  if (status === 429) {
    return {
      failure: new MassiveError(
        `Massive is rate-limiting requests (HTTP 429) and ${what} could not be loaded; try again in a minute or upgrade the plan.${said}`,
        'rate_limit',
        status,
      ),
      waitMs: parseRetryAfter(err.response?.headers?.['retry-after']),
    };
  }
  if (status === 401) {
    return {
      failure: new MassiveError(`Massive rejected the API key while loading ${what}; check the Massive API key in settings.${said}`, 'auth', status),
    };
  }
  if (status === 403) {
    return {
      failure: new MassiveError(`Your Massive plan does not include ${what}.${said}`, 'entitlement', status),
    };
  }
  if (status >= 500) {
    return { failure: new MassiveError(`Massive had a server error (HTTP ${status}) loading ${what}.${said}`, 'server', status) };
  }
  return { failure: new MassiveError(`Massive refused the request for ${what} (HTTP ${status}).${said}`, 'bad_request', status) };
}

/** Massive error bodies: `{"status":"ERROR","error":"Unknown API Key"}` or `{"message": …}`. */
function vendorMessage(data: unknown): string | undefined {
  if (data && typeof data === 'object') {
    const d = data as Record<string, unknown>;
    for (const key of ['error', 'message']) if (typeof d[key] === 'string' && d[key]) return d[key] as string;
  }
  return undefined;
}

/** The aggregate `from` path segment and `cursor` of a Massive `next_url`. */
export function parseNextUrl(nextUrl: string): { from?: string; cursor?: string } {
  try {
    const url = new URL(nextUrl, 'http://placeholder.invalid');
    const match = /\/v2\/aggs\/ticker\/[^/]+\/range\/\d+\/[a-z]+\/([^/]+)\/[^/]+$/.exec(url.pathname);
    const cursor = url.searchParams.get('cursor') ?? undefined;
    return { ...(match?.[1] && { from: decodeURIComponent(match[1]) }), ...(cursor && { cursor }) };
  } catch {
    return {};
  }
}

/** Fields a reference row omits are read from its OCC ticker. */
function toContract(underlying: string, c: z.infer<typeof ContractDetails>): OptionContract | undefined {
  const occ = parseOccTicker(c.ticker);
  const right = c.contract_type === 'call' || c.contract_type === 'put' ? c.contract_type : occ?.right;
  const strike = c.strike_price ?? occ?.strike;
  const expiration = c.expiration_date ?? occ?.expiration;
  if (!right || strike === undefined || !expiration) return undefined;
  return {
    ticker: c.ticker,
    underlying: c.underlying_ticker ?? occ?.underlying ?? underlying,
    right,
    strike,
    expiration,
    exerciseStyle: c.exercise_style ?? null,
    sharesPerContract: c.shares_per_contract ?? 100,
  };
}

/** A quote side is missing when absent or priced at 0: "no bid" must never read as "bid 0". */
function side(price: number | undefined, size: number | undefined): [number | null, number | null] {
  return price === undefined || price <= 0 ? [null, null] : [price, size ?? null];
}

function toChainEntry(underlying: string, e: z.infer<typeof ChainSnapshotEntry>): OptionChainEntry {
  const d = e.details;
  const q = e.last_quote;
  const [bid, bidSize] = side(q?.bid, q?.bid_size);
  const [ask, askSize] = side(q?.ask, q?.ask_size);
  const contract = toContract(underlying, { ...d, underlying_ticker: e.underlying_asset?.ticker ?? underlying }) ?? {
    ticker: d.ticker,
    underlying,
    right: d.contract_type === 'put' ? 'put' : 'call',
    strike: d.strike_price,
    expiration: d.expiration_date,
    exerciseStyle: d.exercise_style ?? null,
    sharesPerContract: d.shares_per_contract ?? 100,
  };
  const g = e.greeks;
  return {
    contract,
    quote: {
      ticker: d.ticker,
      // last_updated is in nanoseconds.
      ts: q?.last_updated !== undefined ? Math.floor(q.last_updated / 1e6) : 0,
      bid,
      bidSize,
      ask,
      askSize,
    },
    hasQuote: q !== undefined && (q.bid !== undefined || q.ask !== undefined || q.last_updated !== undefined),
    openInterest: e.open_interest ?? null,
    impliedVolatility: e.implied_volatility ?? null,
    greeks: g ? { delta: g.delta ?? null, gamma: g.gamma ?? null, theta: g.theta ?? null, vega: g.vega ?? null } : null,
    underlyingPrice: e.underlying_asset?.price ?? null,
  };
}

function isoToday(): string {
  return new Date().toISOString().slice(0, 10);
}
