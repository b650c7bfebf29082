/**
 * The one Socket.IO connection to the hub (same origin, default path). Event names and
 * payloads come from src/hub/protocol.ts; only types are imported so zod stays out of
 * the browser bundle.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  BarMessage,
  ErrorMessage,
  EVENTS,
  HealthMessage,
  ReplayStatus,
  SeriesKey,
  SnapshotMessage,
} from '../../src/hub/protocol.js';

type Ev = typeof EVENTS;

export interface ServerToClient {
  snapshot: (m: SnapshotMessage) => void;
  bar: (m: BarMessage) => void;
  health: (m: HealthMessage) => void;
  replay: (m: ReplayStatus) => void;
  error_message: (m: ErrorMessage) => void;
}

export interface ClientToServer {
  subscribe: (k: SeriesKey) => void;
  unsubscribe: (k: SeriesKey) => void;
}

// Compile-time check that the names above are exactly protocol.ts's EVENTS.
type _ServerEvents = [Ev['snapshot'], Ev['bar'], Ev['health'], Ev['replay'], Ev['error']] extends [
  keyof ServerToClient, keyof ServerToClient, keyof ServerToClient, keyof ServerToClient, keyof ServerToClient,
] ? true : never;
type _ClientEvents = [Ev['subscribe'], Ev['unsubscribe']] extends [keyof ClientToServer, keyof ClientToServer] ? true : never;
export const _eventsMatchProtocol: [_ServerEvents, _ClientEvents] = [true, true];

export type HubSocket = Socket<ServerToClient, ClientToServer>;

export const socket: HubSocket = io({ transports: ['websocket', 'polling'] });
