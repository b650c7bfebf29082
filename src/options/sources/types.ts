/**
 * What a chain source is: something that can list an underlying's open expirations and
 * price one expiration's contracts at an instant, given the underlying price (which the
 * service takes from the chart side so chain and chart agree).
 */
import type { IsoDate } from '../../core/types.js';
import type { ChainExpiration, ChainSnapshot } from '../../options/chain.js';

/** Where a chain's quotes come from; the wire protocol carries it to the dashboard. */
export type QuoteSource = 'recorded' | 'massive' | 'model';

export interface ChainContext {
  underlying: string;
  /** The instant the chain describes (replay clock or wall clock), epoch ms. */
  at: number;
  /** New York date of the session being played or traded. */
  session: IsoDate;
  underlyingPrice: number;
  rate: number;
}

export interface ChainSource {
  readonly kind: QuoteSource;
  /** Whether this source has contracts of `underlying` for `session` (may load lazily, once). */
  has(underlying: string, session: IsoDate): Promise<boolean>;
  /** Expirations still open at `ctx.at`, ascending. */
  expirations(ctx: ChainContext): Promise<ChainExpiration[]>;
  /** The rows of one open expiration at `ctx.at` (the caller checked it is open). */
  chain(ctx: ChainContext, expiration: IsoDate): Promise<ChainSnapshot>;
  /** Mark (mid) of the contract's first two-sided quote of the session at or before `at`, when the source knows it. */
  openingMark?(ticker: string, session: IsoDate, at: number): Promise<number | null>;
  /** A sentence for the chain header (e.g. how model quotes were priced). */
  note?(ctx: ChainContext): string | undefined;
  /** Forget per-session state (replay jumped or changed session). */
  reset?(): void;
}

/** A 404: the underlying or expiration has no option data. The message is a full sentence prefixed with the field. */
export class OptionDataNotFound extends Error {
  readonly statusCode = 404;
  readonly code = 'NOT_FOUND';
  constructor(message: string) {
    super(message);
    this.name = 'OptionDataNotFound';
  }
}

/** A 502: the vendor could not be asked (network, entitlement, rate limit); the message says what it answered. */
export class OptionDataUnavailable extends Error {
  readonly statusCode = 502;
  readonly code = 'PROVIDER_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'OptionDataUnavailable';
  }
}
