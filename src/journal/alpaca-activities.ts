/**
 * Alpaca account activities → journal fills. Reads every `FILL` activity through the
 * official SDK (`@alpacahq/alpaca-trade-api`, the same REST client and 429 back-off as the
 * Alpaca broker, src/broker/alpaca/rest.ts), oldest first, one page of up to 100 at a time
 * (`page_token` = the last id of the page before), and turns each into a `Fill` of the
 * named account. The fill id is `alpaca:` + the activity id, so importing again adds only
 * what is new. Fees are modelled with Alpaca's pass-through schedule (Alpaca's paper
 * accounts do not charge them; src/broker/fees.ts), as for fills the broker books.
 */
import type { trading } from '@alpacahq/alpaca-trade-api';
import type { AlpacaSettings } from '../broker/alpaca/config.js';
import { toBrokerError } from '../broker/alpaca/errors.js';
import { AlpacaRest, DEFAULT_BACKOFF } from '../broker/alpaca/rest.js';
import { assetClassOfSymbol, priceFromWireRounded, symbolFromAlpaca } from '../broker/alpaca/wire.js';
import { ALPACA_FEES, feesFor } from '../broker/fees.js';
import type { Fill } from '../broker/types.js';
import { TimerSet } from '../core/backoff.js';

export const ACTIVITY_PAGE_SIZE = 100;

/** Every FILL activity of the account, oldest first (raw wire JSON: SDK 4.0.2's typed parser drops a FILL's price, side and order_id). */
export async function fetchFillActivities(settings: AlpacaSettings, opts: { pageSize?: number; timeoutMs?: number } = {}): Promise<Record<string, unknown>[]> {
  const pageSize = opts.pageSize ?? ACTIVITY_PAGE_SIZE;
  const timers = new TimerSet();
  const rest = new AlpacaRest(settings, timers, DEFAULT_BACKOFF, () => undefined, opts.timeoutMs ?? 30_000);
  const out: Record<string, unknown>[] = [];
  let pageToken: string | undefined;
  try {
    for (;;) {
      const page = await rest.call('the fill activities', async () => {
        const req: trading.GetAccountActivitiesByActivityTypeRequest = { activityType: 'FILL', direction: 'asc', pageSize, ...(pageToken ? { pageToken } : {}) };
        const res = await rest.activities.getAccountActivitiesByActivityTypeRaw(req);
        return (await res.raw.json()) as Record<string, unknown>[];
      });
      out.push(...page);
      if (page.length < pageSize) return out;
      const last = String(page.at(-1)!.id ?? '');
      if (!last || last === pageToken) return out;
      pageToken = last;
    }
  } catch (err) {
    throw await toBrokerError(err, 'the fill activities');
  } finally {
    timers.clear();
  }
}

/** One FILL activity as a fill of `account`, or why it cannot be one (field named). */
export function fillFromActivity(a: Record<string, unknown>, account: string): Fill | { activity: string; field: string; message: string } {
  const activity = String(a.id ?? '');
  const bad = (field: string, message: string) => ({ activity: activity || '(no id)', field, message });
  if (!activity) return bad('id', 'is missing');
  if (a.activity_type !== undefined && a.activity_type !== 'FILL') return bad('activity_type', `is ${String(a.activity_type)}, not FILL`);
  const side = a.side === 'buy' ? 'buy' : a.side === 'sell' || a.side === 'sell_short' ? 'sell' : null;
  if (!side) return bad('side', `must be buy, sell or sell_short, got ${JSON.stringify(a.side)}`);
  const symbolRaw = typeof a.symbol === 'string' ? a.symbol.trim() : '';
  if (!symbolRaw) return bad('symbol', 'is missing');
  const qty = Number(a.qty);
  if (!Number.isInteger(qty) || qty <= 0) return bad('qty', `must be a whole number above 0, got ${JSON.stringify(a.qty)}`);
  const time = Date.parse(String(a.transaction_time ?? ''));
  if (!Number.isFinite(time)) return bad('transaction_time', `is not a time: ${JSON.stringify(a.transaction_time)}`);
  let price: number;
  try {
    price = priceFromWireRounded(String(a.price ?? ''));
  } catch {
    return bad('price', `is not a number: ${JSON.stringify(a.price)}`);
  }
  if (!(price > 0)) return bad('price', `must be above 0, got ${JSON.stringify(a.price)}`);
  const symbol = symbolFromAlpaca(symbolRaw, undefined);
  const fees = feesFor(ALPACA_FEES, assetClassOfSymbol(symbol), side, qty, price);
  return {
    id: `alpaca:${activity}`, orderId: String(a.order_id ?? `alpaca:${activity}`), account, symbol, side, qty, price, time, fees,
    reason: 'execution', note: a.type === 'partial_fill' ? 'Alpaca partial fill' : null,
  };
}
