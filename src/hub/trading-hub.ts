/**
 * TradingHub — orders, fills, positions, accounts and the kill switch pushed to dashboards
 * over Socket.IO with the same rule as the charts: a `trading:snapshot {seq, …}` on
 * `trading:subscribe`, then `trading:delta {seq, …}` with seq + 1 each; a client that sees
 * a gap subscribes again. One stream for the whole desk (a small team, a few accounts).
 *
 * The hub knows only wire shapes: the server hands it a snapshot function and publishes
 * deltas, so it stays below the trading core's layers.
 */
import type { Server, Socket } from 'socket.io';
import type { WireAccount, WireFill, WireOrder, WirePosition } from '../broker/wire.js';
import { guardSocketHandler } from './socket-errors.js';

export const TRADING_EVENTS = {
  subscribe: 'trading:subscribe',
  unsubscribe: 'trading:unsubscribe',
  snapshot: 'trading:snapshot',
  delta: 'trading:delta',
} as const;

const ROOM = 'trading';

export interface TradingSnapshotBody {
  orders: WireOrder[];
  positions: WirePosition[];
  accounts: WireAccount[];
  killSwitch: { engaged: boolean; reason: string | null; at: string | null; by: string | null };
  /** Market time of the desk (replay clock or wall clock), ISO New York. */
  time: string;
}

export interface TradingSnapshot extends TradingSnapshotBody {
  seq: number;
}

export type TradingDeltaBody =
  | { kind: 'order'; event: string; order: WireOrder; fill?: WireFill }
  | { kind: 'positions'; positions: WirePosition[] }
  | { kind: 'account'; account: WireAccount }
  | { kind: 'kill_switch'; killSwitch: TradingSnapshotBody['killSwitch']; canceled?: string[] };

export type TradingDelta = TradingDeltaBody & { seq: number };

export class TradingHub {
  private seq = 0;
  private io?: Server;
  /** Counters for tests. */
  readonly counters = { snapshots: 0, deltas: 0 };

  constructor(private readonly snapshotOf: () => Promise<TradingSnapshotBody>) {}

  attach(io: Server): void {
    this.io = io;
    io.on('connection', (socket) => {
      socket.on(TRADING_EVENTS.subscribe, () => guardSocketHandler(socket, TRADING_EVENTS.subscribe, () => {
        void this.subscribe(socket);
      }));
      socket.on(TRADING_EVENTS.unsubscribe, () => {
        void socket.leave(ROOM);
      });
    });
  }

  /** Sends a snapshot consistent with a seq, then joins the delta room. */
  async subscribe(socket: Socket): Promise<void> {
    await socket.leave(ROOM);
    for (let attempt = 0; ; attempt++) {
      const before = this.seq;
      let body: TradingSnapshotBody;
      try {
        body = await this.snapshotOf();
      } catch (e) {
        socket.emit('error_message', { event: TRADING_EVENTS.subscribe, message: `${TRADING_EVENTS.subscribe}: ${(e as Error).message}` });
        return;
      }
      // A delta published while the snapshot was assembled may be half in it: build it again.
      if (this.seq !== before && attempt < 3) continue;
      this.counters.snapshots++;
      // Join and send in the same tick (the in-memory adapter joins synchronously): the next
      // delta published reaches this socket after its snapshot, none falls in between.
      void socket.join(ROOM);
      socket.emit(TRADING_EVENTS.snapshot, { ...body, seq: this.seq } satisfies TradingSnapshot);
      return;
    }
  }

  publish(delta: TradingDeltaBody): void {
    this.seq++;
    this.counters.deltas++;
    this.io?.to(ROOM).emit(TRADING_EVENTS.delta, { ...delta, seq: this.seq } as TradingDelta);
  }

  /** An event outside the seq'd stream (strategy signals and updates) to every trading subscriber. */
  broadcast(event: string, body: unknown): void {
    this.io?.to(ROOM).emit(event, body);
  }

  currentSeq(): number {
    return this.seq;
  }
}
