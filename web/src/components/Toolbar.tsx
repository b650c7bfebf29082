/** Chart toolbar: symbol, timeframes (keys 1–7), extended hours, line tool, health badge. */
import type { HealthState } from '../../../src/wire/protocol.js';
import type { Tool } from '../chart/ChartView.js';

export const TIMEFRAMES = ['1m', '3m', '5m', '15m', '1h', '4h', '1D'] as const;
export type ChartTimeframe = (typeof TIMEFRAMES)[number];

const TF_LABEL: Record<ChartTimeframe, string> = {
  '1m': '1 minute', '3m': '3 minutes', '5m': '5 minutes', '15m': '15 minutes', '1h': '1 hour', '4h': '4 hours', '1D': '1 day',
};

export const SHORTCUTS_HELP = [
  'Keyboard shortcuts:',
  ...TIMEFRAMES.map((tf, i) => `${i + 1}  ${TF_LABEL[tf]}`),
  'E  extended hours on/off',
  'H  horizontal line tool',
  '↑ ↓  previous / next symbol',
  'Space  play / pause replay',
  'Delete  remove selected line',
  'Esc  cancel tool / deselect',
].join('\n');

export interface BadgeInfo {
  state: HealthState;
  sentence: string;
}

export interface ToolbarProps {
  symbol: string;
  lastText: string | null;
  tf: ChartTimeframe;
  onTf(tf: ChartTimeframe): void;
  extended: boolean;
  onExtended(v: boolean): void;
  badPrints: 'hide' | 'show';
  onBadPrints(v: 'hide' | 'show'): void;
  tool: Tool;
  onTool(t: Tool): void;
  badge: BadgeInfo;
}

export function Toolbar(p: ToolbarProps) {
  return (
    <div className="toolbar" role="toolbar" aria-label="Chart toolbar">
      <div className="tb-symbol" data-testid="toolbar-symbol">
        {p.symbol}
        {p.lastText ? <span className="tb-last">{p.lastText}</span> : null}
      </div>
      <div className="tb-group" role="group" aria-label="Timeframe">
        {TIMEFRAMES.map((tf, i) => (
          <button
            key={tf}
            data-testid={`tf-${tf}`}
            className={`tb-btn${tf === p.tf ? ' active' : ''}`}
            aria-pressed={tf === p.tf}
            title={`${TF_LABEL[tf]} (key ${i + 1})\n\n${SHORTCUTS_HELP}`}
            onClick={() => p.onTf(tf)}
          >
            {tf}
          </button>
        ))}
      </div>
      <div className="tb-group">
        <button
          data-testid="toggle-extended"
          className={`tb-btn${p.extended ? ' active' : ''}`}
          aria-pressed={p.extended}
          title="Extended hours: include pre-market 04:00–09:30 and after-hours 16:00–20:00 ET (key E)"
          onClick={() => p.onExtended(!p.extended)}
        >
          ETH
        </button>
        <button
          data-testid="toggle-bad-prints"
          className={`tb-btn${p.badPrints === 'show' ? ' active' : ''}`}
          aria-pressed={p.badPrints === 'show'}
          title={
            'Bad prints: minutes optdesk check flags as bad ticks (a price far beyond the recent range).\n' +
            (p.badPrints === 'show' ? 'Shown as printed — click to clamp them to the candle body.' : 'Clamped to the candle body and marked — click to show them as printed.')
          }
          onClick={() => p.onBadPrints(p.badPrints === 'show' ? 'hide' : 'show')}
        >
          ⚠ Prints
        </button>
        <button
          data-testid="tool-hline"
          className={`tb-btn${p.tool === 'hline' ? ' active' : ''}`}
          aria-pressed={p.tool === 'hline'}
          title={'Horizontal line (key H): click the chart to place it.\nDrag a line to move it; click it and press Delete to remove it.\nLines are saved per symbol.'}
          onClick={() => p.onTool(p.tool === 'hline' ? 'none' : 'hline')}
        >
          ─ Line
        </button>
      </div>
      <div className="tb-help" title={SHORTCUTS_HELP} aria-label="Keyboard shortcuts">?</div>
      <div className="tb-spacer" />
      <div className={`health-badge health-${p.badge.state.toLowerCase()}`} data-testid="health-badge" data-state={p.badge.state} title={`${p.badge.state}: ${p.badge.sentence}`}>
        <span className="health-dot" />
        <span className="health-state">{p.badge.state}</span>
        <span className="health-sentence">{p.badge.sentence}</span>
      </div>
    </div>
  );
}
