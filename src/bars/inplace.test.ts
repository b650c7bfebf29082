/**
 * The engine updates a daily or weekly bar in place while nobody has seen it (series.ts
 * `isUnseen`), so the live path allocates no 1D/1W bar per minute. These tests hold it to
 * the contract that makes that safe: a bar handed out — by a read or to a listener — never
 * changes afterwards, and reading along the way does not change what the series becomes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BarEngine } from './index.js';
import type { Bar, MinuteAggregate } from '../core/types.js';
import { readAggregates, stockMinuteFile, SPY_OCT_2013 } from '../../test/helpers/data.js';

/** Real SPY minutes of three sessions in one week (04:00–20:00), in time order. */
const minutes: MinuteAggregate[] = SPY_OCT_2013.slice(1, 4).flatMap((d) => readAggregates(stockMinuteFile(d), 'SPY'));

function feed(engine: BarEngine, each: (n: number) => void): void {
  minutes.forEach((m, n) => {
    engine.advanceClock(m.start);
    engine.applyMinute(m, 'live');
    each(n);
  });
}

test('daily and weekly bars handed out by reads never change afterwards, and reading does not change the series', () => {
  const reading = new BarEngine({ clock: 0 });
  const kept: { bar: Bar; copy: Bar }[] = [];
  const keep = (bars: (Bar | undefined)[]) => bars.forEach((bar) => bar && kept.push({ bar, copy: { ...bar } }));
  feed(reading, (n) => {
    // Reads at irregular points: some land mid-session, some between two minutes of one bar.
    if (n % 37 === 0) keep(reading.series('SPY', '1D'));
    if (n % 53 === 0) keep([reading.lastBar('SPY', '1W')]);
    if (n % 101 === 0) keep(reading.series('SPY', '1W'));
  });
  assert.ok(kept.length > 100, `kept ${kept.length}`);
  for (const { bar, copy } of kept) assert.deepEqual(bar, copy);

  const quiet = new BarEngine({ clock: 0 });
  feed(quiet, () => {});
  for (const tf of ['1D', '1W'] as const) {
    assert.deepEqual(reading.series('SPY', tf), quiet.series('SPY', tf), tf);
    assert.equal(reading.seq('SPY', tf), quiet.seq('SPY', tf), `${tf} seq`);
  }
  // The last session's daily bar kept changing after the first reads: the test saw real updates.
  assert.equal(reading.series('SPY', '1D').length, 3);
  assert.ok(kept.some(({ bar }) => bar.start === reading.series('SPY', '1D')[2]!.start && bar.volume < reading.series('SPY', '1D')[2]!.volume));
});

test('daily and weekly bars sent to a listener never change afterwards', () => {
  const engine = new BarEngine({ clock: 0 });
  const sent: { bar: Bar; copy: Bar }[] = [];
  engine.onDelta((d) => {
    if (d.tf === '1D' || d.tf === '1W') sent.push({ bar: d.bar, copy: { ...d.bar } });
  });
  feed(engine, () => {});
  assert.ok(sent.length > 1000, `sent ${sent.length}`);
  for (const { bar, copy } of sent) assert.deepEqual(bar, copy);
  // Distinct objects per change: a listener keeping the history of a bar sees every version.
  assert.equal(new Set(sent.map((s) => s.bar)).size, sent.length);
});
