/**
 * The desk's trading state from the `trading:*` stream: a snapshot, then deltas applied in
 * seq order; a gap (or a reconnect) asks for a new snapshot. Orders are kept by id with
 * their fills merged by fill id (an order delta carries only its newest fill).
 */
import { useEffect, useState } from 'react';
import type { Socket } from 'socket.io-client';
import type { TradingDelta, TradingSnapshot, TradingSnapshotBody } from '../../../src/hub/trading-hub.js';
import type { WireOrder } from '../../../src/broker/wire.js';
import { socket as hubSocket } from '../socket.js';

const EV = { subscribe: 'trading:subscribe', snapshot: 'trading:snapshot', delta: 'trading:delta' } as const;

export interface TradingState extends Omit<TradingSnapshotBody, 'orders'> {
  orders: Map<string, WireOrder>;
  ready: boolean;
}

const EMPTY: TradingState = { orders: new Map(), positions: [], accounts: [], killSwitch: { engaged: false, reason: null, at: null, by: null }, time: '', ready: false };

function mergeOrder(prev: WireOrder | undefined, next: WireOrder): WireOrder {
  if (!prev) return next;
  const fills = new Map(prev.fills.map((f) => [f.id, f]));
  for (const f of next.fills) fills.set(f.id, f);
  return { ...next, fills: [...fills.values()] };
}

export function useTrading(): TradingState {
  const [state, setState] = useState<TradingState>(EMPTY);
  useEffect(() => {
    const socket = hubSocket as unknown as Socket;
    let seq = -1;
    const subscribe = (): void => {
      seq = -1;
      socket.emit(EV.subscribe);
    };
    const onSnapshot = (s: TradingSnapshot): void => {
      seq = s.seq;
      setState({ ...s, orders: new Map(s.orders.map((o) => [o.id, o])), ready: true });
    };
    const onDelta = (d: TradingDelta): void => {
      if (seq < 0) return; // waiting for the snapshot
      if (d.seq !== seq + 1) return subscribe(); // a gap: start over from a snapshot
      seq = d.seq;
      setState((s) => {
        switch (d.kind) {
          case 'order': {
            const orders = new Map(s.orders);
            orders.set(d.order.id, mergeOrder(orders.get(d.order.id), d.order));
            return { ...s, orders };
          }
          case 'positions':
            return { ...s, positions: d.positions };
          case 'account':
            return { ...s, accounts: s.accounts.some((a) => a.name === d.account.name) ? s.accounts.map((a) => (a.name === d.account.name ? d.account : a)) : [...s.accounts, d.account] };
          case 'kill_switch':
            return { ...s, killSwitch: d.killSwitch };
        }
      });
    };
    socket.on(EV.snapshot, onSnapshot);
    socket.on(EV.delta, onDelta);
    socket.on('connect', subscribe);
    if (socket.connected) subscribe();
    return () => {
      socket.off(EV.snapshot, onSnapshot);
      socket.off(EV.delta, onDelta);
      socket.off('connect', subscribe);
      socket.emit('trading:unsubscribe');
    };
  }, []);
  return state;
}
