/** Socket.IO test client helpers: wait for events without sleeping, and a FIFO barrier. */
import { io, type Socket } from 'socket.io-client';
import { DEFAULT_WAIT_MS } from './timeouts.js';

export function connect(url: string, auth?: Record<string, string>): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, ...(auth ? { auth } : {}) });
  unpackBarBatches(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/**
 * The hub sends one tick's bar deltas as one `bars` batch (src/hub/fan-out.ts). Tests that
 * follow single deltas keep listening to `bar`: each delta of a batch is handed, in order,
 * to the socket's local `bar` listeners (nothing is sent to the server). `bars` itself
 * stays observable for tests of the batching.
 */
export function unpackBarBatches(socket: Socket): void {
  socket.on('bars', (m: { bars: unknown[] }) => {
    for (const delta of m.bars) for (const fn of [...socket.listeners('bar')]) fn(delta);
  });
}

/**
 * Resolves with the next `event` payload matching `pred`; rejects after `ms` (default a
 * generous deadline scaled by OPTDESK_TEST_TIMEOUT_SCALE: a busy machine is slow, not broken).
 */
export function next<T = any>(socket: Socket, event: string, pred: (m: T) => boolean = () => true, ms = DEFAULT_WAIT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`timed out after ${ms} ms waiting for ${event}`));
    }, ms);
    const on = (m: T): void => {
      if (!pred(m)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(m);
    };
    socket.on(event, on);
  });
}

/**
 * Resolves once everything the server emitted to this socket before now has arrived:
 * a malformed subscribe is answered with `error_message` on the same ordered connection.
 */
export async function barrier(socket: Socket): Promise<void> {
  const reply = next(socket, 'error_message', (m: { event: string }) => m.event === 'subscribe');
  socket.emit('subscribe', { barrier: true });
  await reply;
}
