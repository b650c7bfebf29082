/**
 * broker/alpaca — the Alpaca adapter: optdesk's `Broker` over Alpaca's Trading API
 * through the official `@alpacahq/alpaca-trade-api` SDK (v4).
 *
 * Owns: settings from the environment, paper by default and live only with
 * OPTDESK_LIVE=1 (config.ts); the wire translation of orders, symbols and exact money
 * (wire.ts, decimal.ts); Alpaca's order rules checked before sending (rules.ts);
 * Alpaca errors as sentences (errors.ts); REST with 429 back-off (rest.ts); and the
 * broker itself — trade_updates stream, reconciliation after every (re)connect, the
 * no-blind-resubmit rule, native equity brackets, cancel-then-exit for options
 * (broker.ts), with the pure pieces beside it: account and positions (holdings.ts),
 * missed-fill rebuilding (fill-history.ts),
 * option expirations/exercises/assignments from activities (option-events.ts) and ordered
 * event delivery (outbox.ts). Tests drive it against test/fakes/alpaca-server.ts.
 */
export { AlpacaBroker, type AlpacaBrokerOptions, type AlpacaLog, type AlpacaStatus, type ExitAfterCancel, type FeeModel } from './broker.js';
export { alpacaSettings, alpacaSettingsFromEnv, AlpacaConfigError, type AlpacaSettings } from './config.js';
export { alpacaRuleViolation } from './rules.js';
export type { BackoffEvent, BackoffSettings } from './rest.js';

import { AlpacaBroker, type AlpacaBrokerOptions } from './broker.js';
import { alpacaSettingsFromEnv } from './config.js';

/**
 * The Alpaca broker the environment asks for, or null when no keys are set. Throws an
 * AlpacaConfigError naming the variable on a bad configuration. Call `start()` on it.
 */
export function alpacaBrokerFromEnv(env: NodeJS.ProcessEnv = process.env, opts: Omit<AlpacaBrokerOptions, 'settings'> = {}): AlpacaBroker | null {
  const settings = alpacaSettingsFromEnv(env);
  return settings ? new AlpacaBroker({ ...opts, settings }) : null;
}
