import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from '../../test/helpers/fast-check.js';
import { InputError } from './errors.js';
import path from 'node:path';
import { DATA_DIR } from '../../test/helpers/data.js';
import { OPTION_TICKER_SHAPE, formatOptionTicker, isOptionTicker, occRoot, parseOccTicker, parseOptionTicker, tryParseOptionTicker } from './occ.js';

describe('parseOptionTicker', () => {
  it('parses the GOOG example', () => {
    assert.deepEqual(parseOptionTicker('O:GOOG151224C00750000'), { underlying: 'GOOG', expiration: '2015-12-24', right: 'call', strike: 750 });
  });
  it('parses fractional strikes, puts and long/odd roots', () => {
    assert.deepEqual(parseOptionTicker('O:SPY240315P00502500'), { underlying: 'SPY', expiration: '2024-03-15', right: 'put', strike: 502.5 });
    assert.equal(parseOptionTicker('O:SPXW240315C05000000').underlying, 'SPXW');
    assert.equal(parseOptionTicker('O:BRKB240315C00400000').underlying, 'BRKB');
    assert.deepEqual(parseOptionTicker('O:GOOG1151224C00750000'), { underlying: 'GOOG1', expiration: '2015-12-24', right: 'call', strike: 750 });
    assert.equal(parseOptionTicker('O:BRK.B240315C00400000').underlying, 'BRK.B');
    assert.equal(parseOptionTicker('O:F240315C00000500').strike, 0.5);
    assert.equal(parseOptionTicker('O:ABCDEF240315C00010000').underlying, 'ABCDEF');
  });
  it('accepts raw and space-padded OCC symbols', () => {
    assert.equal(parseOptionTicker('GOOG151224C00750000').strike, 750);
    assert.equal(parseOptionTicker('GOOG  151224P00750000').right, 'put');
  });
  const bad: Array<[string, RegExp]> = [
    ['', /option ticker/],
    ['O:151224C00750000', /too short/],
    ['O:GOOGLEX151224C00750000', /root "GOOGLEX"/],
    ['O:goog151224C00750000', /root "goog"/],
    ['O:GOOG151324C00750000', /expiration "151324".*calendar date/],
    ['O:GOOG150230C00750000', /expiration "150230"/],
    ['O:GOOG151224X00750000', /right "X"/],
    ['O:GOOG15122AC00750000', /expiration "15122A"/],
    ['O:GOOG151224C0075000A', /strike "0075000A"/],
    ['O:GOOG151224C00000000', /strike .* positive/],
  ];
  for (const [ticker, message] of bad) {
    it(`rejects ${JSON.stringify(ticker)} naming the bad part`, () => {
      assert.throws(() => parseOptionTicker(ticker), (e: unknown) => e instanceof InputError && e.field === 'ticker' && message.test(e.reason));
    });
  }
  it('tryParse / isOptionTicker do not throw', () => {
    assert.equal(tryParseOptionTicker('SPY'), null);
    assert.equal(isOptionTicker('GOOG'), false);
    assert.equal(isOptionTicker('GOOG151224C00750000'), false); // Massive tickers carry O:
    assert.equal(isOptionTicker('O:GOOG151224C00750000'), true);
  });
});

describe('formatOptionTicker', () => {
  it('formats with 8-digit strike thousandths', () => {
    assert.equal(formatOptionTicker({ underlying: 'SPY', expiration: '2024-03-15', right: 'put', strike: 502.5 }), 'O:SPY240315P00502500');
    assert.equal(formatOptionTicker({ underlying: 'GOOG', expiration: '2015-12-24', right: 'call', strike: 750 }), 'O:GOOG151224C00750000');
  });
  it('rejects what it cannot encode', () => {
    assert.throws(() => formatOptionTicker({ underlying: 'SPY', expiration: '2024-03-15', right: 'put', strike: 1.0005 }), /strike/);
    assert.throws(() => formatOptionTicker({ underlying: 'SPY', expiration: '2024-02-30', right: 'put', strike: 1 }), /expiration/);
    assert.throws(() => formatOptionTicker({ underlying: 'TOOLONG', expiration: '2024-03-15', right: 'put', strike: 1 }), /underlying/);
    assert.throws(() => formatOptionTicker({ underlying: 'SPY', expiration: '2024-03-15', right: 'put', strike: 100_000 }), /strike/);
  });
  it('round-trips any valid contract (property)', () => {
    fc.assert(fc.property(
      fc.stringMatching(/^[A-Z][A-Z0-9.]{0,5}$/),
      fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }),
      fc.constantFrom('call' as const, 'put' as const),
      fc.integer({ min: 1, max: 99_999_999 }),
      (underlying, date, right, thousandths) => {
        const contract = { underlying, expiration: date.toISOString().slice(0, 10), right, strike: thousandths / 1000 };
        assert.deepEqual(parseOptionTicker(formatOptionTicker(contract)), contract);
      },
    ));
  });
});

describe('parseOccTicker, occRoot and OPTION_TICKER_SHAPE agree with the parser', () => {
  const contractArb = fc.record({
    underlying: fc.stringMatching(/^[A-Z0-9.]{1,6}$/),
    date: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }),
    right: fc.constantFrom('call' as const, 'put' as const),
    thousandths: fc.integer({ min: 1, max: 99_999_999 }),
  });

  it('for any formatted ticker: the shape matches, the root is the underlying, parseOccTicker keeps the ticker (property)', () => {
    fc.assert(fc.property(contractArb, ({ underlying, date, right, thousandths }) => {
      const contract = { underlying, expiration: date.toISOString().slice(0, 10), right, strike: thousandths / 1000 };
      const ticker = formatOptionTicker(contract);
      assert.ok(OPTION_TICKER_SHAPE.test(ticker), ticker);
      assert.equal(occRoot(ticker), underlying);
      assert.deepEqual(parseOccTicker(ticker), { ticker, ...contract });
      // Without Massive's prefix it is a raw OCC symbol: the parser reads it, the stored form does not.
      assert.equal(parseOccTicker(ticker.slice(2)), undefined);
      assert.deepEqual(parseOptionTicker(ticker.slice(2)), contract);
    }));
  });

  it('stock symbols and malformed tickers are not contracts', () => {
    for (const t of ['SPY', 'O:SPY', 'O:SPY231301C00430000', 'O:SPY230901X00430000', 'O:TOOLONGX230901C00430000', '']) {
      assert.equal(parseOccTicker(t), undefined, t);
    }
  });

  it('every ticker of the recorded GOOG chain parses, and occRoot reads the same root (real data)', async () => {
    const { readOptionQuotesCsv } = await import('../options/flatfile-quotes.js');
    const quotes = await readOptionQuotesCsv(path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1/2015/12/2015-12-24.csv.gz'));
    const tickers = new Set(quotes.map((q) => q.ticker));
    assert.equal(tickers.size, 2192);
    for (const t of tickers) {
      const c = parseOccTicker(t);
      assert.ok(c, t);
      assert.equal(c.underlying, 'GOOG');
      assert.equal(occRoot(t), c.underlying);
      assert.equal(formatOptionTicker(c), t);
    }
  });
});
