/** Option liquidity for the scanner from the checklist's contract lookup (the ATM call of the nearest expiration). */
import { pickContract, type ContractLookup } from '../checklist/service.js';
import type { OptionLiquidity } from './fields.js';
import type { OptionLiquidityLookup } from './scanner.js';

export function liquidityFromContracts(contracts: ContractLookup): OptionLiquidityLookup {
  return async (symbol, at, spot): Promise<OptionLiquidity | null> => {
    const chain = await contracts.chainAt(symbol, at, spot);
    if ('missing' in chain) return null;
    const row = pickContract(chain.rows, spot, 'long');
    if ('missing' in row) return null;
    const spreadPct = row.bid !== null && row.ask !== null && row.mid !== null && row.mid > 0 ? ((row.ask - row.bid) / row.mid) * 100 : null;
    return { atmIv: row.iv, spreadPct, openInterest: row.openInterest };
  };
}
