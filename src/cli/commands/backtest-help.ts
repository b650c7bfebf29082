/**
 * The `optdesk backtest --help` parameter list, from the strategies' parameter specs only
 * (no indicator, SQLite or report code), so help stays cheap to load.
 */
import { ORB_PARAMS } from '../../strategies/orb/params.js';
import { TIMEBLOCK_PARAMS } from '../../strategies/timeblock/params.js';
import { describeParams } from '../../strategies/params.js';
import { EXPIRATION_PARAM_HELP, OPTION_PARAMS } from '../../backtest/options-params.js';

export function backtestParamHelp(): string {
  return Object.entries({ orb: ORB_PARAMS, timeblock: TIMEBLOCK_PARAMS })
    .map(([name, spec]) => `\n${name} parameters (--param key=value):\n${describeParams(spec).map((l) => `  ${l}`).join('\n')}`)
    .join('\n')
    + `\n\n--mode options parameters (--param key=value; long buys a call, short a put):\n  ${EXPIRATION_PARAM_HELP}\n${describeParams(OPTION_PARAMS).map((l) => `  ${l}`).join('\n')}`;
}
