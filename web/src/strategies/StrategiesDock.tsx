/**
 * The strategies dock over the right column: the backtest panel (and the instances panel).
 * It lies over the options chain and the ticket without unmounting them, so their streams
 * keep running; closing it shows them again.
 */
import { useState } from 'react';
import { BacktestPanel } from '../backtest/BacktestPanel.js';
import type { StrategyChart } from './useStrategyChart.js';
import '../backtest/backtest.css';

export interface StrategiesDockProps {
  symbol: string;
  chart: StrategyChart;
  onClose(): void;
}

export function StrategiesDock({ symbol, chart, onClose }: StrategiesDockProps) {
  const [tab, setTab] = useState<'backtest'>('backtest');
  return (
    <aside className="strat-dock panel" data-testid="strategies-dock">
      <div className="panel-title">
        <div className="strat-tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'backtest'} onClick={() => setTab('backtest')}>Backtest</button>
        </div>
        <button type="button" className="strat-close" aria-label="Close the strategies panel" onClick={onClose}>×</button>
      </div>
      <div className="strat-body">
        {tab === 'backtest' ? <BacktestPanel symbol={symbol} shown={chart.shown} onShowTrade={chart.showTrade} /> : null}
      </div>
    </aside>
  );
}
