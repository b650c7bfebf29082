/**
 * The one Socket.IO connection to the hub (same origin, default path). Event names and
 * payloads come from src/wire/protocol.ts; only types are imported so zod stays out of
 * the browser bundle.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  BarBatchMessage,
  BarMessage,
  ErrorMessage,
  EVENTS,
  HealthMessage,
  QuotesDeltaMessage,
  QuotesSnapshotMessage,
  ReplayStatus,
  SeriesKey,
  SnapshotMessage,
} from '../../src/wire/protocol.js';
import type {
  ChainDeltaMessage,
  ChainSnapshotMessage,
  MatrixDeltaMessage,
  MatrixEntry,
  MatrixSnapshotMessage,
  OPTION_EVENTS,
} from '../../src/wire/options-protocol.js';

type Ev = typeof EVENTS;
type OptEv = typeof OPTION_EVENTS;

export interface ServerToClient {
  snapshot: (m: SnapshotMessage) => void;
  bar: (m: BarMessage) => void;
  bars: (m: BarBatchMessage) => void;
  health: (m: HealthMessage) => void;
  replay: (m: ReplayStatus) => void;
  error_message: (m: ErrorMessage) => void;
  'quotes:snapshot': (m: QuotesSnapshotMessage) => void;
  'quotes:delta': (m: QuotesDeltaMessage) => void;
  'options:snapshot': (m: ChainSnapshotMessage) => void;
  'options:delta': (m: ChainDeltaMessage) => void;
  'matrix:snapshot': (m: MatrixSnapshotMessage) => void;
  'matrix:delta': (m: MatrixDeltaMessage) => void;
}

export interface ClientToServer {
  subscribe: (k: SeriesKey) => void;
  unsubscribe: (k: SeriesKey) => void;
  'quotes:set': (m: { symbols: string[] }) => void;
  'options:subscribe': (k: { underlying: string; expiration: string }) => void;
  'options:unsubscribe': (k: { underlying: string; expiration: string }) => void;
  'matrix:set': (m: { entries: MatrixEntry[] }) => void;
}

// Compile-time check that the names above are exactly protocol.ts's EVENTS.
type _ServerEvents = [Ev['snapshot'], Ev['bar'], Ev['bars'], Ev['health'], Ev['replay'], Ev['error']] extends [
  keyof ServerToClient, keyof ServerToClient, keyof ServerToClient, keyof ServerToClient, keyof ServerToClient, keyof ServerToClient,
] ? true : never;
type _ClientEvents = [Ev['subscribe'], Ev['unsubscribe'], Ev['quotesSet']] extends [keyof ClientToServer, keyof ClientToServer, keyof ClientToServer] ? true : never;
type _QuoteEvents = [Ev['quotesSnapshot'], Ev['quotesDelta']] extends [keyof ServerToClient, keyof ServerToClient] ? true : never;
type _OptionServerEvents = [OptEv['chainSnapshot'], OptEv['chainDelta'], OptEv['matrixSnapshot'], OptEv['matrixDelta']] extends [
  keyof ServerToClient, keyof ServerToClient, keyof ServerToClient, keyof ServerToClient,
] ? true : never;
type _OptionClientEvents = [OptEv['chainSubscribe'], OptEv['chainUnsubscribe'], OptEv['matrixSet']] extends [
  keyof ClientToServer, keyof ClientToServer, keyof ClientToServer,
] ? true : never;
export const _eventsMatchProtocol: [_ServerEvents, _ClientEvents, _OptionServerEvents, _OptionClientEvents, _QuoteEvents] = [true, true, true, true, true];

export type HubSocket = Socket<ServerToClient, ClientToServer>;

export const socket: HubSocket = io({ transports: ['websocket', 'polling'] });
