/**
 * Reading the Massive feed's delayed/real-time choice from the environment. Massive sells
 * stocks and options separately (e.g. real-time stocks with 15-minute delayed options), so
 * the choice is per cluster: `MASSIVE_DELAYED` sets both, `MASSIVE_STOCKS_DELAYED` and
 * `MASSIVE_OPTIONS_DELAYED` override it for one cluster.
 */
import type { Cluster } from './socket.js';

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new Error(`${name}: must be 1/true or 0/false, got "${raw}"`);
}

export function delayedFromEnv(env: NodeJS.ProcessEnv): Record<Cluster, boolean> {
  const both = flag(env, 'MASSIVE_DELAYED') ?? false;
  return {
    stocks: flag(env, 'MASSIVE_STOCKS_DELAYED') ?? both,
    options: flag(env, 'MASSIVE_OPTIONS_DELAYED') ?? both,
  };
}
