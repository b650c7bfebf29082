/**
 * Alpaca's REST API through the official SDK's generated classes, built on one
 * `trading.Configuration` so the base URL can point at paper, live or a local fake.
 * The SDK's own retry is off: every call goes through `call()`, which backs off on 429 —
 * honouring `Retry-After` (or `X-RateLimit-Reset`) when Alpaca sends it, exponentially
 * otherwise — for every verb. Retrying a 429'd POST is safe: Alpaca did not process it,
 * and the client order id makes a second copy a 422 rather than a second order.
 */
import { trading } from '@alpacahq/alpaca-trade-api';
import { TimerSet, backoffDelay } from '../../core/backoff.js';
import { isRateLimited, toBrokerError } from './errors.js';
import type { AlpacaSettings } from './config.js';

export interface BackoffSettings {
  /** First exponential delay, ms (default 500). */
  initialMs: number;
  /** Cap of one exponential delay, ms (default 20,000). */
  maxMs: number;
  /** Longest Retry-After honoured, ms (default 60,000); longer gives up. */
  maxRetryAfterMs: number;
  /** Attempts per call including the first (default 6). */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 500, maxMs: 20_000, maxRetryAfterMs: 60_000, maxAttempts: 6 };

/** One 429 back-off, reported for logs and tests. */
export interface BackoffEvent {
  what: string;
  attempt: number;
  delayMs: number;
  /** True when the delay came from Alpaca (Retry-After / X-RateLimit-Reset). */
  fromServer: boolean;
}

export class AlpacaRest {
  readonly orders: trading.OrdersApi;
  readonly positions: trading.PositionsApi;
  readonly account: trading.AccountsApi;
  readonly activities: trading.AccountActivitiesApi;

  constructor(
    settings: AlpacaSettings,
    private readonly timers: TimerSet,
    private readonly backoff: BackoffSettings,
    private readonly onBackoff: (e: BackoffEvent) => void,
    timeoutMs: number,
  ) {
    const { keyId, secret } = settings.credentials();
    const config = new trading.Configuration({
      basePath: settings.restUrl,
      keyId,
      secret,
      timeoutMs,
      // Proactive limit a little under Alpaca's ~200 requests/minute.
      rateLimit: { maxRequests: 190, intervalMs: 60_000 },
      userAgent: 'optdesk',
    });
    this.orders = new trading.OrdersApi(config);
    this.positions = new trading.PositionsApi(config);
    this.account = new trading.AccountsApi(config);
    this.activities = new trading.AccountActivitiesApi(config);
  }

  /** Runs `fn`, backing off on 429; a final 429 becomes a `rate_limited` BrokerError. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isRateLimited(err) || attempt + 1 >= this.backoff.maxAttempts) throw err;
        const told = err.retryAfterMs;
        if (told !== undefined && told > this.backoff.maxRetryAfterMs) throw await toBrokerError(err, what);
        const delayMs = told ?? backoffDelay(attempt, this.backoff);
        this.onBackoff({ what, attempt: attempt + 1, delayMs, fromServer: told !== undefined });
        await this.timers.sleep(delayMs);
      }
    }
  }
}
