/**
 * The recorded option source under hostile request patterns: an unknown underlying costs an
 * index seek in the store, never a read of a chain's quotes (the reported CPU amplification
 * was a 3 MB file re-read per unknown symbol), and loaded books stay within their bound
 * whatever is asked. Reads are counted through a wrapper around the real store holding the
 * shared data; the ground truth (which roots a session's quotes file holds) is parsed here
 * independently from the flat files with gunzipSync.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from '../../../test/helpers/fast-check.js';
import { DATA_DIR } from '../../../test/helpers/data.js';
import { recordedStore } from '../../../test/helpers/store.js';
import { RecordedChainSource, type RecordedOptionData } from './recorded.js';

const QUOTES_DIR = path.join(DATA_DIR, 'flatfiles/us_options_opra/quotes_v1');

/** Sessions with a quotes file, and the roots each holds, straight from the files. */
function groundTruth(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const file of ['2015/12/2015-12-24.csv.gz', '2023/08/2023-08-03.csv.gz']) {
    const roots = new Set<string>();
    for (const line of gunzipSync(readFileSync(path.join(QUOTES_DIR, file))).toString('utf8').split('\n').slice(1)) {
      const ticker = line.split(',')[0];
      if (ticker) roots.add(/^O:([A-Z]+)\d{6}[CP]\d{8}$/.exec(ticker)![1]!);
    }
    out.set(path.basename(file, '.csv.gz'), roots);
  }
  return out;
}

/** The real store's option reads, counted. */
function counting(data: RecordedOptionData) {
  const reads = { seeks: 0, found: 0, quotes: 0, trades: 0, openInterest: 0 };
  const wrapped: RecordedOptionData = {
    hasOptionQuotes: (u, f, t) => {
      reads.seeks++;
      const found = data.hasOptionQuotes(u, f, t);
      if (found) reads.found++;
      return found;
    },
    optionQuotesByContract: (u, f, t) => (reads.quotes++, data.optionQuotesByContract(u, f, t)),
    optionMinuteBarsOf: (u, f, t) => (reads.trades++, data.optionMinuteBarsOf(u, f, t)),
    openInterest: (d, u) => (reads.openInterest++, data.openInterest(d, u)),
  };
  return { reads, wrapped };
}

describe('RecordedChainSource', () => {
  const truth = groundTruth();
  let data: RecordedOptionData;
  before(async () => {
    data = await recordedStore();
  });

  it('answers unknown underlyings with an index seek: no quote read and no cache slot, however many are asked', async () => {
    assert.deepEqual([...truth.get('2015-12-24')!], ['GOOG'], 'the data is what the test assumes');
    const { reads, wrapped } = counting(data);
    const source = new RecordedChainSource(wrapped);
    assert.equal(await source.has('GOOG', '2015-12-24'), true);
    assert.equal(reads.quotes, 1, 'GOOG is read once');
    const unknown = fc.sample(fc.stringMatching(/^[A-Z]{1,5}$/).filter((s) => !truth.get('2015-12-24')!.has(s)), { numRuns: 200, seed: 42 });
    const answers = await Promise.all(unknown.map((u) => source.has(u, '2015-12-24')));
    assert.ok(answers.every((a) => a === false));
    assert.equal(reads.quotes, 1, `${unknown.length} unknown underlyings caused no quote read`);
    assert.equal(reads.trades, 1);
    assert.equal(reads.openInterest, 1);
    // A session without option quotes is not read either.
    assert.equal(await source.has('GOOG', '2013-10-10'), false);
    assert.equal(reads.quotes, 1);
    const chain = await source.expirations({ underlying: 'GOOG', session: '2015-12-24', at: Date.UTC(2015, 11, 24, 16), underlyingPrice: 750, rate: 0.003 });
    assert.equal(chain.length, 12, 'the recorded chain has its 12 expirations');
    assert.deepEqual(source.loaded(), ['2015-12-24|GOOG'], 'unknown underlyings hold no cache slot');
  });

  it('keeps at most maxBooks books under any request sequence, and every answer matches the files', async () => {
    const sessions = ['2015-12-24', '2023-08-03', '2013-10-10'];
    const { reads, wrapped } = counting(data);
    const source = new RecordedChainSource(wrapped, { maxBooks: 1 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ underlying: fc.oneof(fc.constantFrom('GOOG', 'SPY'), fc.stringMatching(/^[A-Z]{1,4}$/)), session: fc.constantFrom(...sessions) }), { minLength: 1, maxLength: 8 }),
        async (requests) => {
          for (const { underlying, session } of requests) {
            const expected = truth.get(session)?.has(underlying) ?? false;
            assert.equal(await source.has(underlying, session), expected, `${underlying} on ${session}`);
            assert.ok(source.loaded().length <= 1, `books ${source.loaded().join(', ')} exceed the bound`);
          }
        },
      ),
      { numRuns: 20 },
    );
    // Alternate the two recorded books: with room for one, each switch evicts and reloads.
    const before = source.counters.evictions;
    for (const [u, s] of [['GOOG', '2015-12-24'], ['SPY', '2023-08-03'], ['GOOG', '2015-12-24']] as const) assert.equal(await source.has(u, s), true);
    assert.ok(source.counters.evictions >= before + 2, 'books are evicted, not kept');
    assert.equal(reads.quotes, reads.found, 'quotes are read only for an underlying the seek found recorded');
    assert.ok(reads.seeks > reads.found, 'unknown underlyings were asked and answered by the seek');
  });
});
