/**
 * The strategy instances API (src/server/strategy-routes.ts) and its socket pushes
 * (`strategy:signal`, `strategy:update` on the trading stream, which the desk already
 * subscribes to). Types come from the server as types only.
 */
import type { Socket } from 'socket.io-client';
import type { InstanceReport, WireInstance, WireLevels, WireSignal } from '../../../src/wire/strategy-protocol.js';
import { socket as hubSocket } from '../socket.js';
import { call } from '../trading/tradingApi.js';

export type { InstanceReport, WireInstance };
export type { WireLevels, WireSignal };
export type Mode = 'off' | 'signal' | 'auto';

interface StrategyServerEvents {
  'strategy:signal': (m: WireSignal) => void;
  'strategy:update': (m: { instanceId: string; mode: Mode; status: string; levels?: WireLevels[] }) => void;
}
export const strategySocket = hubSocket as unknown as Socket<StrategyServerEvents, Record<string, never>>;

export const instancesApi = {
  list: () => call<{ instances: WireInstance[] }>('GET', '/api/strategies/instances').then((r) => r.instances),
  create: (b: { name: string; strategy: string; symbol: string; account: string; params?: Record<string, string | number | boolean>; mode?: Mode }) =>
    call<{ instance: WireInstance }>('POST', '/api/strategies/instances', b).then((r) => r.instance),
  setMode: (id: string, mode: Mode) => call<{ instance: WireInstance }>('PATCH', `/api/strategies/instances/${encodeURIComponent(id)}`, { mode }).then((r) => r.instance),
  remove: (id: string) => call<unknown>('DELETE', `/api/strategies/instances/${encodeURIComponent(id)}`),
  report: (id: string) => call<InstanceReport>('GET', `/api/strategies/instances/${encodeURIComponent(id)}/report`),
};
