/**
 * risk/ — the gate between intents and brokers (DESIGN.md principle 4).
 *
 * Owns: the pre-trade checks with their reasons (engine.ts), their settings (settings.ts),
 * and the TradingDesk (desk.ts): intent → audit → risk → broker, the kill switch, the
 * daily-loss halt, the losing-streak cooldown, and the attached exits it runs for every
 * broker. `connectPaper` wires a PaperBroker's clock, quotes and alarms to a desk.
 */
import type { PaperBroker } from '../broker/paper/broker.js';
import type { TradingDesk } from './desk.js';

export * from './engine.js';
export * from './settings.js';
export * from './desk.js';

/** The paper broker's evaluated quotes drive the stop watch; its clock drives the 0-DTE flatten. */
export function connectPaper(desk: TradingDesk, paper: PaperBroker): () => void {
  let lastTs = -1;
  const offQuote = paper.onQuote(async (q) => {
    await desk.exits.onQuote(q);
    // Marks move without fills: look at the day's loss once per quote instant.
    if (q.ts !== lastTs) {
      lastTs = q.ts;
      await desk.checkDailyLoss();
    }
  });
  const offAlarm = paper.addAlarmSource(desk.exits);
  return () => {
    offQuote();
    offAlarm();
  };
}
