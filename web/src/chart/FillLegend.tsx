/**
 * The fills of the bar under the crosshair (or the newest bar), under the chart legend: the
 * marker's tooltip — side, quantity, contract, price, time and what the order was for.
 */
import { toChartTime } from '../nyTime.js';
import { shortContract } from '../options/contract.js';
import type { PlacedFill } from './fillMarkers.js';

function clock(ms: number): string {
  return new Date(toChartTime(ms) * 1000).toISOString().slice(11, 19);
}

export function FillLegend({ fills }: { fills: readonly PlacedFill[] }) {
  if (!fills.length) return null;
  return (
    <span className="legend-fills" data-testid="legend-fills">
      {fills.map((f) => (
        <span key={f.id} className={`legend-fill ${f.side}`} data-fill-id={f.id}>
          {f.side === 'buy' ? '▲ bought' : '▼ sold'} {f.qty} {f.symbol.startsWith('O:') ? shortContract(f.symbol) : f.symbol} @ {f.price.toFixed(2)} {clock(f.time)}
          {f.role !== 'entry' ? ` · ${f.role.replace('_', '-')}` : ''}
        </span>
      ))}
    </span>
  );
}
