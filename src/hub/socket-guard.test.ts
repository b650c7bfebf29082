/**
 * SocketGuard's arithmetic on stand-in sockets and a hand-driven clock: the token bucket,
 * coalescing, cancel, the queued-byte count (engine.io write buffer + WebSocket
 * bufferedAmount) and the periodic sweep. The end-to-end flood is test/socket-flood.test.ts.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { Server, Socket } from 'socket.io';
import { SocketGuard, bufferedBytes } from './socket-errors.js';
import { InputError } from '../core/errors.js';
import { until } from '../../test/helpers/wait.js';

function fakeSocket(opts: { transport?: 'polling' | 'websocket'; queued?: string[]; wsBuffered?: number } = {}) {
  const ee = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const emitted: unknown[][] = [];
  Object.assign(ee, {
    connected: true,
    conn: { writeBuffer: (opts.queued ?? []).map((data) => ({ type: 'message', data })), transport: { name: opts.transport ?? 'websocket', socket: { bufferedAmount: opts.wsBuffered ?? 0 } } },
    emitted,
    disconnect() {
      ee.connected = false;
      EventEmitter.prototype.emit.call(ee, 'disconnect');
    },
  });
  // Socket.emit sends to the client; keep it apart from the EventEmitter's own emit.
  (ee as unknown as { emit: (...a: unknown[]) => boolean }).emit = (...args: unknown[]) => {
    emitted.push(args);
    return true;
  };
  return ee as unknown as Socket & { emitted: unknown[][] };
}

describe('SocketGuard', () => {
  it('spends the burst, then defers; repeated keys collapse into one; refills at the set rate', async () => {
    let now = 0;
    const guard = new SocketGuard({ snapshotBurst: 3, snapshotsPerSecond: 2, now: () => now });
    const s = fakeSocket();
    const ran: string[] = [];
    for (let i = 0; i < 3; i++) guard.throttle(s, 'subscribe', `k${i}`, () => ran.push(`k${i}`));
    assert.deepEqual(ran, ['k0', 'k1', 'k2']);
    for (let i = 0; i < 1000; i++) guard.throttle(s, 'subscribe', 'A', () => ran.push('A'));
    guard.throttle(s, 'subscribe', 'B', () => ran.push('B'));
    guard.throttle(s, 'subscribe', 'C', () => ran.push('C'));
    guard.cancel(s, 'C');
    assert.equal(guard.pending(s), 2);
    assert.deepEqual(guard.counters, { immediate: 3, deferred: 3, coalesced: 999, droppedSlow: 0 });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(ran.length, 3, 'no token yet on the guard clock: nothing runs');
    now += 500; // one token back; the guard's own timer (~500 ms) runs the drain
    await until('the first deferred subscribe', () => ran.length === 4);
    assert.deepEqual(ran.slice(3), ['A']);
    now += 500;
    await until('the second deferred subscribe', () => ran.length === 5);
    assert.deepEqual(ran.slice(3), ['A', 'B'], 'in arrival order; the cancelled C never runs');
    assert.equal(guard.pending(s), 0);
  });

  it('an error in a deferred subscribe reaches the client as error_message', async () => {
    let now = 0;
    const guard = new SocketGuard({ snapshotBurst: 1, snapshotsPerSecond: 1000, now: () => now });
    const s = fakeSocket();
    guard.throttle(s, 'subscribe', 'x', () => {});
    guard.throttle(s, 'options:subscribe', 'y', () => {
      throw new Error('boom');
    });
    now += 10;
    await until('the deferred subscribe ran', () => s.emitted.length > 0);
    assert.deepEqual(s.emitted, [['error_message', { event: 'options:subscribe', code: 'INTERNAL', message: 'options:subscribe: boom' }]]);
  });

  it('a thrown InputError keeps its code and field in the error_message', () => {
    const guard = new SocketGuard();
    const s = fakeSocket();
    guard.throttle(s, 'scan:subscribe', 'x', () => {
      throw new InputError('filter.all.0.op', '"=>" is not an operator');
    });
    assert.deepEqual(s.emitted, [['error_message', {
      event: 'scan:subscribe', code: 'INVALID_FIELD', field: 'filter.all.0.op', message: 'scan:subscribe: filter.all.0.op: "=>" is not an operator',
    }]]);
  });

  it('counts queued bytes from the write buffer and the WebSocket, and drops a socket over the bound', () => {
    assert.equal(bufferedBytes(fakeSocket({ queued: ['abc', 'de'], wsBuffered: 10 })), 15);
    assert.equal(bufferedBytes(fakeSocket({ transport: 'polling', queued: ['abc'], wsBuffered: 99 })), 3, 'polling has no ws buffer');
    const guard = new SocketGuard({ maxBufferedBytes: 100 });
    const ok = fakeSocket({ queued: ['x'.repeat(60)], wsBuffered: 40 });
    assert.equal(guard.dropIfSlow(ok), false, 'at the bound is fine');
    const slow = fakeSocket({ queued: ['x'.repeat(60)], wsBuffered: 41 });
    assert.equal(guard.dropIfSlow(slow), true);
    assert.equal((slow as unknown as { connected: boolean }).connected, false);
    assert.match(String(slow.emitted[0]?.[1] && (slow.emitted[0][1] as { message: string }).message), /^connection: dropped: 101 bytes are waiting/);
    assert.equal((slow.emitted[0]![1] as { code: string }).code, 'SLOW_CONSUMER');
    let ran = false;
    guard.throttle(slow, 'subscribe', 'k', () => (ran = true));
    assert.equal(ran, false, 'a dropped socket gets nothing');
  });

  it('the sweep drops a socket that stalls while it just receives deltas', async () => {
    const guard = new SocketGuard({ maxBufferedBytes: 10 });
    const fine = fakeSocket();
    const stalled = fakeSocket({ wsBuffered: 11 });
    const io = { sockets: { sockets: new Map([['a', fine], ['b', stalled]]) } } as unknown as Server;
    const stop = guard.watch(io, 5);
    try {
      await until('the sweep drops the stalled socket', () => !(stalled as unknown as { connected: boolean }).connected);
    } finally {
      stop();
    }
    assert.equal((stalled as unknown as { connected: boolean }).connected, false);
    assert.equal((fine as unknown as { connected: boolean }).connected, true);
    assert.equal(guard.counters.droppedSlow, 1);
  });
});
