/**
 * What the dashboard sees of automated strategy instances (src/engine/automation.ts, served
 * by src/server/strategy-routes.ts and the trading socket's `strategy:*` events). The shapes
 * are derived from the engine's own views, so the REST answers and these types cannot drift;
 * the browser imports them as types only.
 */
import type { Automation } from '../engine/automation.js';

export type { WireLevels, WireSignal } from '../engine/automation.js';
export type WireInstance = ReturnType<Automation['list']>[number];
export type InstanceReport = ReturnType<Automation['report']>;
