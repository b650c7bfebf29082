/**
 * How both hubs answer a bad or failing socket message: an `error_message` naming the
 * event and why, on the same connection, which stays up. Nothing a client sends may
 * take the server down.
 */
import type { Socket } from 'socket.io';
import { EVENTS, type ErrorMessage } from './protocol.js';

export function sendSocketError(socket: Socket, event: string, message: string, stream?: Record<string, string>): void {
  const payload: ErrorMessage = stream ? { event, message, stream } : { event, message };
  socket.emit(EVENTS.error, payload);
}

/** Runs a message handler; if it throws, the client gets the reason instead of the server crashing. */
export function guardSocketHandler(socket: Socket, event: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    sendSocketError(socket, event, `${event}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
