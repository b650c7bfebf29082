/**
 * Rebuilding the fills of an order that the trade_updates stream did not deliver (it was
 * down). Alpaca's REST order says how much filled and at what average; its FILL
 * activities say each execution. Pure: given what we booked and what REST says, it
 * returns the missing executions, exactly.
 */
import { decDiv, decInt, decMul, decStr, type Dec } from './decimal.js';
import { qtyFromWire, wireDec } from './wire.js';

/** One execution to book: quantity, price as Alpaca's decimal string, time, and an id unique per execution. */
export interface MissedExecution {
  id: string;
  qty: number;
  price: string;
  time: number | null;
  /** True when no activity was found and the price is the one that makes the order's average come out. */
  fromAverage: boolean;
}

export interface FillGap {
  orderId: string;
  /** Filled quantity already booked, and its average price (Alpaca's string) when any. */
  bookedQty: number;
  bookedAvgPrice: string | null | undefined;
  /** What REST says now. */
  filledQty: number;
  filledAvgPrice: string | null | undefined;
}

/**
 * The executions between `bookedQty` and `filledQty`: the order's FILL activities first
 * (real prices and times), placed in its history by `cum_qty` (the order's filled quantity
 * after each — so nothing relies on how an activity id relates to the stream's
 * execution_id), then, for whatever no activity covers, one execution at the price that
 * makes the booked fills average to Alpaca's `filled_avg_price`.
 */
export function missedExecutions(gap: FillGap, activities: readonly Record<string, unknown>[], seen: ReadonlySet<string>): MissedExecution[] {
  const out: MissedExecution[] = [];
  let cum = gap.bookedQty;
  let notional: Dec = decMul(wireDec(gap.bookedAvgPrice), decInt(gap.bookedQty));
  const mine = activities
    .filter((a) => String(a.order_id) === gap.orderId)
    .map((a) => ({ a, cumQty: qtyFromWire(stringOr(a.cum_qty)), qty: qtyFromWire(stringOr(a.qty)) }))
    .filter((x) => x.cumQty > gap.bookedQty && x.cumQty <= gap.filledQty && x.qty > 0)
    .sort((x, y) => x.cumQty - y.cumQty);
  for (const { a, cumQty, qty } of mine) {
    const id = activityExecutionId(a);
    if (seen.has(id) || cumQty !== cum + qty) continue;
    const price = String(a.price);
    cum = cumQty;
    notional += decMul(wireDec(price), decInt(qty));
    const at = Date.parse(String(a.transaction_time ?? ''));
    out.push({ id, qty, price, time: Number.isFinite(at) ? at : null, fromAverage: false });
  }
  if (cum < gap.filledQty) {
    const rest = gap.filledQty - cum;
    const total = decMul(wireDec(gap.filledAvgPrice), decInt(gap.filledQty));
    out.push({ id: `reconcile:${gap.orderId}:${gap.filledQty}`, qty: rest, price: decStr(decDiv(total - notional, decInt(rest))), time: null, fromAverage: true });
  }
  return out;
}

/** Alpaca activity ids are `<time>::<uuid>`; the uuid is the fill id (only used to skip a fill seen twice). */
export function activityExecutionId(a: Record<string, unknown>): string {
  const id = String(a.id ?? '');
  const at = id.indexOf('::');
  return at >= 0 ? id.slice(at + 2) : id;
}

function stringOr(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}
