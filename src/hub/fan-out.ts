/**
 * Delta fan-out: which sockets get which bar deltas, and how the deltas are packed.
 *
 * - `batched` (the default): deltas pushed during one event-loop turn (a replay tick, one
 *   vendor message) leave at the end of that turn as ONE `bars` message per socket,
 *   holding every delta of every series the socket watches, in the order the engine made
 *   them. Sockets watching the same set of series share one Socket.IO room per set, so
 *   the batch is encoded once per set (the adapter's broadcast), not once per socket.
 * - `per-series`: one `bar` message per delta to one room per series: the protocol before
 *   batching, kept as the fan-out bench's baseline (bench/fanout.bench.ts).
 *
 * Invariant (the hub's consistency rule depends on it): a socket gets exactly the deltas
 * pushed while it was a member of their series. `join`/`leave` first send what is
 * pending, and the hub calls `flush` before it emits anything else to a series' sockets
 * (snapshot, health), so the events a socket sees come in the order of per-delta emits.
 */
import type { Server, Socket } from 'socket.io';
import { EVENTS, type BarBatchMessage, type BarMessage } from '../wire/protocol.js';

export type FanOutMode = 'batched' | 'per-series';

export interface FanOutCounters {
  /** Bar messages received by sockets (a batch counts once per socket that gets it). */
  barMessages: number;
  /** Bar messages serialised (once per room emit). */
  barEncodes: number;
}

export interface DeltaFanOut {
  /** `socket` starts getting `series`' deltas (right after its snapshot). */
  join(socket: Socket, series: string): void;
  leave(socket: Socket, series: string): void;
  /** One delta of `series` for its members: sent now (per-series) or at the end of the turn (batched). */
  push(series: string, message: BarMessage): void;
  /** Sends everything pending now. */
  flush(): void;
}

export function createFanOut(mode: FanOutMode, io: Server, counters: FanOutCounters): DeltaFanOut {
  return mode === 'per-series' ? new PerSeriesFanOut(io, counters) : new BatchedFanOut(io, counters);
}

class PerSeriesFanOut implements DeltaFanOut {
  constructor(
    private readonly io: Server,
    private readonly counters: FanOutCounters,
  ) {}

  join(socket: Socket, series: string): void {
    void socket.join(series);
  }

  leave(socket: Socket, series: string): void {
    void socket.leave(series);
  }

  push(series: string, message: BarMessage): void {
    this.counters.barEncodes++;
    this.counters.barMessages += this.io.sockets.adapter.rooms.get(series)?.size ?? 0;
    this.io.to(series).emit(EVENTS.bar, message);
  }

  flush(): void {}
}

/** Sockets watching exactly the same series; `room` is their Socket.IO room. */
interface SeriesSet {
  room: string;
  series: string[];
  sockets: number;
  /** Deltas of this flush, while it runs. */
  batch: BarMessage[];
}

interface Membership {
  series: Set<string>;
  set?: SeriesSet;
}

class BatchedFanOut implements DeltaFanOut {
  private readonly memberships = new Map<Socket, Membership>();
  /** By signature (the sorted series ids). */
  private readonly sets = new Map<string, SeriesSet>();
  private readonly setsOfSeries = new Map<string, Set<SeriesSet>>();
  private pending: { series: string; message: BarMessage }[] = [];
  private scheduled = false;
  private nextRoom = 0;

  constructor(
    private readonly io: Server,
    private readonly counters: FanOutCounters,
  ) {}

  join(socket: Socket, series: string): void {
    this.flush();
    let m = this.memberships.get(socket);
    if (!m) this.memberships.set(socket, (m = { series: new Set() }));
    if (m.series.has(series)) return;
    m.series.add(series);
    this.regroup(socket, m);
  }

  leave(socket: Socket, series: string): void {
    const m = this.memberships.get(socket);
    if (!m?.series.has(series)) return;
    this.flush();
    m.series.delete(series);
    this.regroup(socket, m);
    if (m.series.size === 0) this.memberships.delete(socket);
  }

  push(series: string, message: BarMessage): void {
    if (!this.setsOfSeries.has(series)) return;
    this.pending.push({ series, message });
    if (this.scheduled) return;
    this.scheduled = true;
    // A microtask: after the synchronous work that made the deltas (the whole replay tick
    // or vendor message), before any timer or I/O callback, so batching adds no latency.
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    const touched: SeriesSet[] = [];
    for (const { series, message } of pending) {
      for (const set of this.setsOfSeries.get(series) ?? []) {
        if (set.batch.length === 0) touched.push(set);
        set.batch.push(message);
      }
    }
    for (const set of touched) {
      const batch: BarBatchMessage = { bars: set.batch };
      set.batch = [];
      this.counters.barEncodes++;
      this.counters.barMessages += this.io.sockets.adapter.rooms.get(set.room)?.size ?? 0;
      this.io.to(set.room).emit(EVENTS.bars, batch);
    }
  }

  /** Moves `socket` from its old series-set room to the one of its current series. */
  private regroup(socket: Socket, m: Membership): void {
    const old = m.set;
    if (old) {
      void socket.leave(old.room);
      m.set = undefined;
      if (--old.sockets === 0) this.dropSet(old);
    }
    if (m.series.size === 0) return;
    const series = [...m.series].sort();
    const signature = series.join('\n');
    let set = this.sets.get(signature);
    if (!set) {
      set = { room: `bars#${++this.nextRoom}`, series, sockets: 0, batch: [] };
      this.sets.set(signature, set);
      for (const id of series) {
        let of = this.setsOfSeries.get(id);
        if (!of) this.setsOfSeries.set(id, (of = new Set()));
        of.add(set);
      }
    }
    set.sockets++;
    m.set = set;
    void socket.join(set.room);
  }

  private dropSet(set: SeriesSet): void {
    this.sets.delete(set.series.join('\n'));
    for (const id of set.series) {
      const of = this.setsOfSeries.get(id);
      of?.delete(set);
      if (of?.size === 0) this.setsOfSeries.delete(id);
    }
  }
}
