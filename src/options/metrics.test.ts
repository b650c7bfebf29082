import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nyTimeToMs } from '../calendar/index.js';
import {
  breakEven, daysToExpiry, expirationCloseMs, extrinsicValue, intrinsicValue, midPrice, MS_PER_YEAR,
  openingMark, putCallParityBand, quoteMark, spreadPct, yearsToExpiry,
} from './metrics.js';
import path from 'node:path';
import { DATA_DIR } from '../../test/helpers/data.js';
import { readOptionQuotesCsv } from './flatfile-quotes.js';

const HOUR = 3_600_000;

describe('time to expiry', () => {
  it('runs to 13:00 on an early-close expiration (Christmas Eve 2015)', () => {
    assert.equal(expirationCloseMs('2015-12-24'), nyTimeToMs('2015-12-24', '13:00'));
    const at = nyTimeToMs('2015-12-24', '11:00');
    assert.equal(yearsToExpiry(at, '2015-12-24'), (2 * HOUR) / MS_PER_YEAR);
    assert.equal(daysToExpiry(at, '2015-12-24'), 0);
    assert.ok(yearsToExpiry(nyTimeToMs('2015-12-24', '13:01'), '2015-12-24') < 0, 'expired after the early close');
  });
  it('runs to 16:00 on a normal expiration, across the Christmas holiday in calendar time', () => {
    const at = nyTimeToMs('2015-12-24', '11:00');
    assert.equal(expirationCloseMs('2015-12-31'), nyTimeToMs('2015-12-31', '16:00'));
    assert.equal(yearsToExpiry(at, '2015-12-31'), (7 * 24 + 5) * HOUR / MS_PER_YEAR);
    assert.equal(daysToExpiry(at, '2015-12-31'), 7);
    // Evening in New York is already the next UTC day; DTE must still count NY dates.
    assert.equal(daysToExpiry(nyTimeToMs('2015-12-23', '21:00'), '2015-12-24'), 1);
  });
  it('moves a non-trading expiration date to the session before', () => {
    assert.equal(expirationCloseMs('2015-01-17'), nyTimeToMs('2015-01-16', '16:00')); // old Saturday OCC date
    assert.equal(expirationCloseMs('2016-03-25'), nyTimeToMs('2016-03-24', '16:00')); // Good Friday
    assert.throws(() => expirationCloseMs('2016-3-25'), /expiration/);
  });
});

describe('per-contract metrics', () => {
  it('break-even: call K + premium, put K − premium', () => {
    assert.equal(breakEven('call', 750, 2.5), 752.5);
    assert.equal(breakEven('put', 750, 2.5), 747.5);
  });
  it('intrinsic and extrinsic', () => {
    assert.equal(intrinsicValue('call', 755, 750), 5);
    assert.equal(intrinsicValue('put', 755, 750), 0);
    assert.equal(intrinsicValue('put', 745, 750), 5);
    assert.equal(extrinsicValue('call', 6.5, 755, 750), 1.5);
    assert.equal(extrinsicValue('put', 1.25, 755, 750), 1.25);
  });
  it('mid and spread need both sides', () => {
    assert.equal(midPrice(1.9, 2.1), 2);
    assert.equal(midPrice(null, 0.05), null);
    assert.equal(midPrice(0.05, null), null);
    assert.ok(Math.abs(spreadPct(1.9, 2.1)! - 0.1) < 1e-12);
    assert.equal(spreadPct(null, 2), null);
    assert.equal(spreadPct(0, 0), null);
  });
  it('parity band: lower S·e^{−qT} − K, upper S − K·e^{−rT}', () => {
    const band = putCallParityBand(100, 90, 1, 0.05);
    assert.equal(band.lower, 10);
    assert.ok(Math.abs(band.upper - (100 - 90 * Math.exp(-0.05))) < 1e-12);
    assert.ok(band.upper > band.lower);
  });
});

describe('opening mark: one rule for recorded and live quotes', () => {
  it('a quote has a mark only when two-sided and not crossed', () => {
    assert.equal(quoteMark(1.9, 2.1), 2);
    assert.equal(quoteMark(2, 2), 2, 'a locked quote has a mark');
    assert.equal(quoteMark(2.1, 1.9), null, 'crossed');
    assert.equal(quoteMark(null, 2.1), null);
    assert.equal(quoteMark(1.9, null), null);
  });

  it('is the first markable quote at or before the instant, never a later one', () => {
    const quotes = [
      { ts: 1, bid: null, ask: 2.2 },
      { ts: 2, bid: 2.3, ask: 2.1 },
      { ts: 3, bid: 1.9, ask: 2.1 },
      { ts: 4, bid: 2.9, ask: 3.1 },
    ];
    assert.equal(openingMark(quotes, 2), null, 'only one-sided and crossed quotes so far');
    assert.equal(openingMark(quotes, 3), 2);
    assert.equal(openingMark(quotes, 99), 2, 'later quotes do not move it');
    assert.equal(openingMark(quotes), 2);
  });

  it('on the recorded GOOG chain: the first two-sided uncrossed mid of each contract (real data)', async () => {
    const quotes = await readOptionQuotesCsv(path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz'));
    const byTicker = new Map<string, typeof quotes>();
    for (const q of quotes) {
      let list = byTicker.get(q.ticker);
      if (!list) byTicker.set(q.ticker, (list = []));
      list.push(q);
    }
    let marked = 0;
    for (const [ticker, list] of byTicker) {
      list.sort((a, b) => a.ts - b.ts);
      const first = list.find((q) => q.bid !== null && q.ask !== null && q.bid <= q.ask);
      const mark = openingMark(list);
      assert.equal(mark, first ? (first.bid! + first.ask!) / 2 : null, ticker);
      if (mark !== null) marked++;
    }
    // Both cases occur: deep contracts quoted one-sided all day have no opening mark.
    assert.ok(marked > 0 && marked < byTicker.size, `${marked} of ${byTicker.size} contracts have an opening mark`);
  });
});
