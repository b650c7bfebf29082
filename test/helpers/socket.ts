/** Socket.IO test client helpers: wait for events without sleeping, and a FIFO barrier. */
import { io, type Socket } from 'socket.io-client';

export function connect(url: string, auth?: Record<string, string>): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, ...(auth ? { auth } : {}) });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/**
 * Resolves with the next `event` payload matching `pred` (rejects after `ms`). The default is
 * generous: `npm test` runs files concurrently on a shared 2-core machine, where a snapshot
 * that takes 0.3 s alone can take several seconds; a real hang still fails.
 */
export function next<T = any>(socket: Socket, event: string, pred: (m: T) => boolean = () => true, ms = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`timed out waiting for ${event}`));
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
