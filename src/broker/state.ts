/**
 * The order lifecycle as an explicit (status, event) → status table, after
 * NautilusTrader's `OrderStatus::transition`, with Alpaca's status and event names.
 * Anything not in the table is refused: an impossible transition is a bug (or a broker
 * message out of order) and must be seen, not absorbed.
 *
 * `WORKING` as a target means "back to whichever working status the fills say": `new`
 * before any fill, `partially_filled` after one (a rejected cancel or replace returns the
 * order to where it was).
 */
import type { OrderEventType, OrderStatus } from './types.js';
import { TERMINAL_STATUSES } from './types.js';

const WORKING = 'working' as const;
type Target = OrderStatus | typeof WORKING;

/** Events that may arrive while the order is routed, working or partly filled. */
const LIVE_EVENTS: Partial<Record<OrderEventType, Target>> = {
  partial_fill: 'partially_filled',
  fill: 'filled',
  pending_cancel: 'pending_cancel',
  canceled: 'canceled',
  expired: 'expired',
  rejected: 'rejected',
};

/** Events of an order working at the venue (`new` or `partially_filled`). */
const WORKING_EVENTS: Partial<Record<OrderEventType, Target>> = {
  partial_fill: 'partially_filled',
  fill: 'filled',
  pending_cancel: 'pending_cancel',
  canceled: 'canceled',
  pending_replace: 'pending_replace',
  replaced: 'replaced',
  expired: 'expired',
  done_for_day: 'done_for_day',
};

export const TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderEventType, Target>>>>> = {
  accepted: { ...LIVE_EVENTS, pending_new: 'pending_new', new: 'new' },
  pending_new: { ...LIVE_EVENTS, new: 'new' },
  // A stop-limit whose limit leg the venue refuses after the trigger (Nautilus: Accepted → Rejected).
  new: { ...WORKING_EVENTS, rejected: 'rejected' },
  partially_filled: WORKING_EVENTS,
  pending_cancel: {
    // Fills can race a cancel request: they count, the cancel is still in flight.
    partial_fill: 'pending_cancel',
    fill: 'filled',
    pending_cancel: 'pending_cancel',
    canceled: 'canceled',
    order_cancel_rejected: WORKING,
    expired: 'expired',
  },
  pending_replace: {
    partial_fill: 'pending_replace',
    fill: 'filled',
    pending_replace: 'pending_replace',
    replaced: 'replaced',
    order_replace_rejected: WORKING,
    pending_cancel: 'pending_cancel',
    canceled: 'canceled',
    expired: 'expired',
  },
  done_for_day: { new: 'new', partial_fill: 'partially_filled', canceled: 'canceled', expired: 'expired' },
  filled: {},
  // A fill can arrive after the venue confirmed the cancel (Nautilus: "real world
  // possibility"); the quantity traded, so it must be booked.
  canceled: { fill: 'filled', partial_fill: 'canceled' },
  expired: {},
  replaced: {},
  rejected: {},
};

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: OrderStatus,
    readonly event: OrderEventType,
  ) {
    super(`order status ${from} cannot take event ${event}`);
    this.name = 'InvalidTransitionError';
  }
}

/**
 * The status after `event`, or an InvalidTransitionError. `filledQty` is the filled
 * quantity after the event (it decides where a rejected cancel/replace returns to).
 */
export function transition(from: OrderStatus, event: OrderEventType, filledQty: number): OrderStatus {
  const target = TRANSITIONS[from][event];
  if (target === undefined) throw new InvalidTransitionError(from, event);
  if (target === WORKING) return filledQty > 0 ? 'partially_filled' : 'new';
  return target;
}

export function canTransition(from: OrderStatus, event: OrderEventType): boolean {
  return TRANSITIONS[from][event] !== undefined;
}

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Not terminal: the order can still trade or be canceled. */
export function isOpen(status: OrderStatus): boolean {
  return !isTerminal(status);
}
