/**
 * Alpaca failures → `BrokerError`s carrying a sentence a trader can act on. The SDK
 * rejects with `ApiError` subclasses (status, Alpaca's `{code, message}`) or `FetchError`
 * (no answer: network, timeout). A request that got no answer is *ambiguous* — it may
 * have executed — and callers must reconcile before acting again.
 */
import { ApiError, FetchError, RateLimitError } from '@alpacahq/alpaca-trade-api';
import { BrokerError } from '../types.js';

/** True when the request may or may not have reached Alpaca (no answer, or a 5xx). */
export function isAmbiguous(err: unknown): boolean {
  if (err instanceof FetchError) return true;
  return err instanceof ApiError && err.status >= 500;
}

export function isRateLimited(err: unknown): err is RateLimitError {
  return err instanceof RateLimitError || (err instanceof ApiError && err.status === 429);
}

export function isDuplicateClientOrderId(err: unknown): boolean {
  return err instanceof ApiError && err.status === 422 && /client_order_id must be unique/i.test(err.message);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

/** Extra fields Alpaca puts next to `{code, message}` (e.g. `held_for_orders`). */
export async function errorBody(err: unknown): Promise<Record<string, unknown>> {
  if (!(err instanceof ApiError)) return {};
  try {
    const body: unknown = await err.response.clone().json();
    return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * The BrokerError for a failed request. `action` names what was attempted ("the order",
 * "the cancel", "the account"); `symbol` helps the insufficient-qty sentence.
 */
export async function toBrokerError(err: unknown, action: string, symbol?: string): Promise<BrokerError> {
  if (err instanceof BrokerError) return err;
  if (err instanceof FetchError) {
    const cause = err.cause as { name?: string } | undefined;
    const timedOut = cause?.name === 'TimeoutError' || cause?.name === 'AbortError';
    return new BrokerError('unavailable', `Alpaca did not answer ${action} (${timedOut ? 'timed out' : 'network error'}).`);
  }
  if (!(err instanceof ApiError)) {
    return new BrokerError('unavailable', `${action} failed: ${err instanceof Error ? err.message : String(err)}.`);
  }
  const said = err.message ? ` (Alpaca: "${err.message}")` : '';
  const msg = err.message.toLowerCase();
  if (err.status === 429) {
    return new BrokerError('rate_limited', `Alpaca is rate-limiting optdesk (HTTP 429); ${action} was not sent after waiting and retrying.`);
  }
  if (err.status === 401) {
    return new BrokerError('unavailable', 'Alpaca refused the API keys (HTTP 401): check ALPACA_KEY_ID and ALPACA_SECRET_KEY, and that they belong to the paper or live account in use.');
  }
  if (msg.includes('insufficient qty') || msg.includes('held_for_orders')) {
    const body = await errorBody(err);
    const held = Number(body.held_for_orders ?? 0);
    const existing = body.existing_qty !== undefined ? String(body.existing_qty) : undefined;
    const name = symbol ?? (typeof body.symbol === 'string' ? body.symbol : 'this symbol');
    if (held > 0) {
      return new BrokerError(
        'insufficient_qty',
        `Alpaca refused the sell: ${held} of the ${existing ?? held} held ${name} ${held === 1 ? 'is' : 'are'} already covered by another working sell order (held_for_orders). Alpaca allows one working sell per contract: cancel that order (e.g. the take-profit) first${said}.`,
      );
    }
    return new BrokerError('insufficient_qty', `Alpaca refused the sell: not enough ${name} held to sell${said}.`);
  }
  if (msg.includes('buying power')) {
    return new BrokerError('insufficient_funds', `Alpaca refused ${action}: not enough buying power${said}.`);
  }
  if (msg.includes('market hours') || msg.includes('market is closed') || msg.includes('market closed')) {
    return new BrokerError('market_closed', `The market is closed for this order${said}.`);
  }
  if (msg.includes('option') && (msg.includes('approv') || msg.includes('eligible') || msg.includes('not enabled') || msg.includes('level'))) {
    return new BrokerError('rejected', `This Alpaca account is not approved for options trading${said}; request options approval in Alpaca's dashboard.`);
  }
  if (isDuplicateClientOrderId(err)) {
    return new BrokerError('duplicate_client_order_id', `Alpaca already has an order with this client order id${said}.`);
  }
  if (err.status === 404) return new BrokerError('not_found', `Alpaca does not know ${action.replace(/^the /, 'that ')}${said}.`);
  if (err.status >= 500) return new BrokerError('unavailable', `Alpaca failed ${action} (HTTP ${err.status})${said}.`);
  if (err.status === 422 && /not cancel/i.test(err.message)) return new BrokerError('not_cancelable', `The order can no longer be canceled${said}.`);
  if (err.status === 422 && /not replac/i.test(err.message)) return new BrokerError('not_replaceable', `The order cannot be replaced now${said}.`);
  return new BrokerError('rejected', `Alpaca rejected ${action} (HTTP ${err.status})${said}.`);
}
