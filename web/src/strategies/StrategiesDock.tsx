/**
 * The strategies dock over the right column: the backtest panel and the strategy instances.
 * It lies over the options chain and the ticket without unmounting them, so their streams
 * keep running; closing it shows them again.
 */
import { useState } from 'react';
import { BacktestPanel } from '../backtest/BacktestPanel.js';
import { InstancesPanel } from './InstancesPanel.js';
import type { StrategyChart } from './useStrategyChart.js';
import type { StockDraft } from '../trading/StockTicket.js';
import '../backtest/backtest.css';

export interface StrategiesDockProps {
  symbol: string;
  chart: StrategyChart;
  /** Trading accounts an instance can be bound to. */
  accounts: string[];
  onClose(): void;
  /** A signal card's button: fill the order ticket's shares side with the signal's order. */
  onTicket(draft: Omit<StockDraft, 'nonce'>): void;
}

export function StrategiesDock({ symbol, chart, accounts, onClose, onTicket }: StrategiesDockProps) {
  const [tab, setTab] = useState<'backtest' | 'instances'>('backtest');
  return (
    <aside className="strat-dock panel" data-testid="strategies-dock">
      <div className="panel-title">
        <div className="strat-tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'backtest'} onClick={() => setTab('backtest')}>Backtest</button>
          <button type="button" role="tab" aria-selected={tab === 'instances'} data-testid="tab-instances" onClick={() => setTab('instances')}>Instances</button>
        </div>
        <button type="button" className="strat-close" aria-label="Close the strategies panel" onClick={onClose}>×</button>
      </div>
      <div className="strat-body">
        {tab === 'backtest' ? <BacktestPanel symbol={symbol} shown={chart.shown} onShowTrade={chart.showTrade} /> : null}
        {/* Mounted while the dock is open, so signals keep arriving and levels stay on the chart on the other tab. */}
        <div hidden={tab !== 'instances'}>
          <InstancesPanel accounts={accounts} symbol={symbol} onLevels={chart.setLiveLevels} onTicket={onTicket} />
        </div>
      </div>
    </aside>
  );
}
