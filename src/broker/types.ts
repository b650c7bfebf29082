/**
 * The broker contract: what an order, a fill, a position and an account are, the order
 * lifecycle (Alpaca's statuses and `trade_updates` event names), and the one `Broker`
 * interface that the paper broker and the Alpaca adapter both implement.
 *
 * STABILITY: other components (the Alpaca adapter, the risk engine, the HTTP API, the
 * dashboard) build against this file. Change it additively only.
 *
 * Units (see ./money.ts): every price is a `Price` — an integer count of 1/10,000 dollar,
 * so $2.10 is 21_000 and sub-penny stock prices stay exact; every amount of money is
 * `Cents` — an integer count of cents. Quantities are whole shares or whole contracts.
 * Times are epoch milliseconds UTC.
 */

/** Integer number of 1/10,000 dollars (a price). $2.10 → 21_000. */
export type Price = number;
/** Integer number of cents (an amount of money: cash, P&L, fees, notional). */
export type Cents = number;

export type AssetClass = 'stock' | 'option';
export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';
export type TimeInForce = 'day' | 'gtc';

export const ORDER_TYPES: readonly OrderType[] = ['market', 'limit', 'stop', 'stop_limit'];
export const TIME_IN_FORCE: readonly TimeInForce[] = ['day', 'gtc'];

/**
 * Why an order exists. `entry`: a trader's or strategy's own order. `take_profit` /
 * `stop_loss`: an attached exit optdesk placed for a filled entry. `expiry`: the synthetic
 * order that settles a contract at expiration. `flatten`: the 0-DTE flatten at the
 * configured time, or the kill switch's close. `close`: a manual "close position".
 */
export type OrderRole = 'entry' | 'take_profit' | 'stop_loss' | 'expiry' | 'flatten' | 'close';

/**
 * Order statuses, named as Alpaca names them (a subset: the ones optdesk can reach).
 * `accepted`: received by the broker, not yet routed; `pending_new`: routed, not yet
 * acknowledged; `new`: working at the venue.
 */
export const ORDER_STATUSES = [
  'accepted',
  'pending_new',
  'new',
  'partially_filled',
  'filled',
  'done_for_day',
  'pending_cancel',
  'pending_replace',
  'canceled',
  'expired',
  'replaced',
  'rejected',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses after which nothing more happens to the order (a late fill after `canceled` excepted; see state.ts). */
export const TERMINAL_STATUSES: readonly OrderStatus[] = ['filled', 'canceled', 'expired', 'replaced', 'rejected'];

/**
 * What can happen to an order, named as Alpaca's `trade_updates` events (plus `accepted`,
 * which Alpaca reports as a status only). `partial_fill` / `fill` carry a Fill.
 */
export const ORDER_EVENT_TYPES = [
  'accepted',
  'pending_new',
  'new',
  'partial_fill',
  'fill',
  'pending_cancel',
  'canceled',
  'order_cancel_rejected',
  'pending_replace',
  'replaced',
  'order_replace_rejected',
  'expired',
  'done_for_day',
  'rejected',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/**
 * Take-profit of an entry: an absolute limit price, a price offset from the fill
 * (`amount`, e.g. +$0.10 → 1_000), or a percentage of the fill price (`percent`, e.g. 5
 * for +5%). For a sell entry the offsets go down.
 */
export type TakeProfitSpec = { limitPrice: Price } | { amount: Price } | { percent: number };
export interface StopLossSpec {
  stopPrice: Price;
}

/**
 * What a trader or a strategy wants. It becomes an order only after the risk engine
 * approves it (see `ApprovedIntent`).
 */
export interface OrderIntent {
  account: string;
  /** Stock symbol (`GOOG`) or Massive/OCC option ticker (`O:GOOG151224C00750000`). */
  symbol: string;
  side: Side;
  /** Whole shares or whole contracts, > 0. */
  qty: number;
  type: OrderType;
  limitPrice?: Price;
  stopPrice?: Price;
  /** Default `day`. */
  timeInForce?: TimeInForce;
  /** Idempotency key (≤ 128 chars); generated when absent. */
  clientOrderId?: string;
  /** Stocks only; options never trade outside regular hours. */
  extendedHours?: boolean;
  takeProfit?: TakeProfitSpec;
  stopLoss?: StopLossSpec;
  /** Default `entry`. */
  role?: OrderRole;
  /** The entry an exit belongs to. */
  parentId?: string;
  /** Who asked: `manual`, `strategy:orb`, `system:exits`, … (audited). */
  source?: string;
  /** Stocks only: fill on 1-minute bars by the backtester's rules instead of on quotes (see BarFillSpec). */
  barFill?: BarFillSpec;
}

/**
 * Bar-rule fills (src/broker/bar-fills.ts) for a strategy's stock orders, so a run on the
 * paper broker trades exactly like the backtester: a market order fills at the open of the
 * first minute starting at or after it was placed; an entry with a `bracket` gets a stop and
 * a target (children `stop_loss` / `take_profit`, one-cancels-other) resolved from its fill,
 * checked on every minute from the entry's own on: the open beyond a level fills at the open,
 * else the level fills, the stop first when a minute touches both. Such orders may sell
 * short (a strategy's short side in shares). Prices in dollars.
 */
export interface BarFillSpec {
  /** Entry: no fill in a minute starting at or after this (epoch ms). */
  notAfter?: number;
  /** Entry: its protective exits, resolved at the fill. */
  bracket?: { stop?: number; stopDistance?: number; target?: number; targetR?: number };
  /** A bracket's child: the resolved levels it watches together with its sibling. */
  stop?: number;
  target?: number | null;
}

/** Proof that the risk engine passed an intent. Brokers accept nothing else. */
export interface RiskApproval {
  /** Audit row of the decision. */
  decisionId: string;
  at: number;
}

export interface ApprovedIntent extends OrderIntent {
  clientOrderId: string;
  timeInForce: TimeInForce;
  role: OrderRole;
  approval: RiskApproval;
}

/** Attached exits as remembered on the entry order. */
export interface AttachedExits {
  takeProfit?: TakeProfitSpec;
  stopLoss?: StopLossSpec;
}

export interface Order {
  /** Broker order id (paper: `po_…`; Alpaca: its UUID). A replace creates a new id. */
  id: string;
  clientOrderId: string;
  account: string;
  symbol: string;
  assetClass: AssetClass;
  side: Side;
  qty: number;
  filledQty: number;
  type: OrderType;
  timeInForce: TimeInForce;
  limitPrice: Price | null;
  stopPrice: Price | null;
  /** Volume-weighted average fill price; null before the first fill. Rounded to the nearest Price unit. */
  avgFillPrice: Price | null;
  status: OrderStatus;
  role: OrderRole;
  parentId: string | null;
  /** For a replacement: the order it replaced; for a replaced order: the one that replaced it. */
  replaces: string | null;
  replacedBy: string | null;
  /** A stop / stop-limit whose trigger price was reached. */
  triggered: boolean;
  exits: AttachedExits | null;
  extendedHours: boolean;
  /** Why it was rejected, canceled by the system or expired — a sentence. */
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  source: string;
  /** Present when the order fills by the bar rules (see BarFillSpec). */
  barFill?: BarFillSpec;
}

/** Fees of one fill, each component rounded up to the cent (see fees.ts). */
export interface FeeBreakdown {
  /** Options Regulatory Fee, per contract, buys and sells. */
  orf: Cents;
  /** OCC clearing fee, per contract, capped per trade. */
  occ: Cents;
  /** FINRA Trading Activity Fee, sells only. */
  taf: Cents;
  /** SEC Section 31 fee, sells only, on the principal. */
  sec: Cents;
  commission: Cents;
  total: Cents;
}

/**
 * How a fill came about. `execution`: a trade at the market. `expiration_otm`: the
 * contract expired out of the money (price 0). `expiration_itm`: settled at intrinsic
 * value against the underlying's last price.
 */
export type FillReason = 'execution' | 'expiration_otm' | 'expiration_itm';

export interface Fill {
  id: string;
  orderId: string;
  account: string;
  symbol: string;
  side: Side;
  qty: number;
  price: Price;
  time: number;
  fees: FeeBreakdown;
  reason: FillReason;
  /** A sentence for non-execution fills ("expired in the money: GOOG last 748.40, strike 745"). */
  note: string | null;
}

export interface Position {
  account: string;
  symbol: string;
  assetClass: AssetClass;
  /** Signed: > 0 long, < 0 short. Never 0 (a flat position is not listed). */
  qty: number;
  /** Cost of the open quantity, fees excluded (the fees are in `fees` and in realized P&L). */
  costBasis: Cents;
  /** costBasis / (|qty| × multiplier), exact to the Price unit when it divides, otherwise rounded. */
  avgPrice: Price;
  /** Realized P&L of this symbol in this account since the position opened, net of fees. */
  realizedPnl: Cents;
  /** Fees paid on the fills of this position. */
  fees: Cents;
  openedAt: number;
  updatedAt: number;
}

export type BrokerKind = 'paper' | 'alpaca';

export interface Account {
  /** `paper`, `paper-orb`, `alpaca-paper`, … */
  name: string;
  broker: BrokerKind;
  /** `live` only for Alpaca with OPTDESK_LIVE=1. */
  mode: 'paper' | 'live';
  cash: Cents;
  /** Cash minus what working buy orders hold (paper: options need the cash). */
  buyingPower: Cents;
  /** Cash + positions at their marks. */
  equity: Cents;
  /** Equity at the start of the trading day (for day P&L). */
  startOfDayEquity: Cents;
  /** equity − startOfDayEquity. */
  dayPnl: Cents;
  /** Realized P&L today, net of fees (the daily loss halt reads this and the marks). */
  dayRealizedPnl: Cents;
  dayFees: Cents;
  /** Every fee ever paid by the account. */
  totalFees: Cents;
  /** Trading day the day figures belong to (New York). */
  tradingDay: string;
  updatedAt: number;
}

/** A change of one order, pushed to listeners in the order it happened. */
export interface OrderEvent {
  type: OrderEventType;
  /** The order after the event. */
  order: Order;
  /** Present on `partial_fill` / `fill`. */
  fill?: Fill;
  /** Signed position quantity after the event (Alpaca's `position_qty`). */
  positionQty?: number;
  time: number;
}

/** Everything a Broker reports, in order. */
export type BrokerEvent =
  | { kind: 'order'; event: OrderEvent }
  | { kind: 'position'; position: Position | { account: string; symbol: string; qty: 0 } }
  | { kind: 'account'; account: Account };

/**
 * A listener may return a promise: the paper broker waits for it before it moves its clock
 * on, so what a listener does in reaction (an exit placed on a fill) happens at the
 * instant of the event even during a replay jump.
 */
export type BrokerListener = (event: BrokerEvent) => void | Promise<unknown>;

export interface OrderFilter {
  account?: string;
  /** `open`: not terminal; `closed`: terminal; default `all`. */
  status?: 'open' | 'closed' | 'all';
  symbol?: string;
}

export interface ReplaceRequest {
  qty?: number;
  limitPrice?: Price;
  stopPrice?: Price;
  timeInForce?: TimeInForce;
  /** New client order id for the replacement; generated when absent. */
  clientOrderId?: string;
}

/**
 * A broker: the paper broker or an Alpaca account. Every method that changes something
 * resolves once the broker has accepted the request (not once it has filled); what happens
 * after comes as events. Errors are `BrokerError`s with a sentence a trader can read.
 */
export interface Broker {
  readonly kind: BrokerKind;
  /** Names of the accounts this broker serves. */
  accountNames(): string[];
  /** Sends an order. Idempotent by (account, clientOrderId): a repeat returns the existing order. */
  submit(intent: ApprovedIntent): Promise<Order>;
  /** Asks to cancel; resolves with the order as it stands (often `pending_cancel`). */
  cancel(account: string, orderId: string): Promise<Order>;
  /** Replaces price/qty; resolves with the NEW order (new id). */
  replace(account: string, orderId: string, changes: ReplaceRequest): Promise<Order>;
  order(account: string, orderId: string): Promise<Order | null>;
  orderByClientId(account: string, clientOrderId: string): Promise<Order | null>;
  orders(filter?: OrderFilter): Promise<Order[]>;
  fills(filter?: { account?: string; orderId?: string; symbol?: string }): Promise<Fill[]>;
  positions(account?: string): Promise<Position[]>;
  accounts(): Promise<Account[]>;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: BrokerListener): () => void;
  /**
   * True when the broker itself holds this entry's attached exits (Alpaca's native equity
   * bracket), so optdesk's exit manager must not arm its own. Absent = never.
   */
  handlesExitsNatively?(entry: Pick<Order, 'symbol' | 'exits'>): boolean;
  /**
   * Lifecycle of a broker with a connection (Alpaca): `remember` hands it what optdesk stored
   * (orders with their roles and exits, fill ids already booked) before `start` connects and
   * reconciles; `stop` closes it. The paper broker has none of these.
   */
  remember?(orders: readonly Order[], fillIds?: readonly string[]): void;
  start?(): Promise<void>;
  stop?(): void;
}

/** A broker refused or failed a request. `code` is stable for programs; `message` is for people. */
export class BrokerError extends Error {
  constructor(
    readonly code:
      | 'not_found'
      | 'rejected'
      | 'insufficient_funds'
      | 'insufficient_qty'
      | 'duplicate_client_order_id'
      | 'not_cancelable'
      | 'not_replaceable'
      | 'unknown_account'
      | 'unavailable'
      | 'rate_limited'
      | 'market_closed',
    message: string,
  ) {
    super(message);
    this.name = 'BrokerError';
  }
}

/** Contract multiplier: 100 shares per standard option contract, 1 for stocks. */
export const OPTION_MULTIPLIER = 100;
