/**
 * The recorded option source under hostile request patterns: unknown underlyings must not
 * re-read the 3 MB quotes file (the reported CPU amplification), and the per-symbol caches
 * stay within their bound whatever is asked. Reads are counted through injected readers
 * that wrap the real ones; the ground truth (which roots a file holds) is parsed here
 * independently with gunzipSync.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from '../../../test/helpers/fast-check.js';
import { readOpenInterestCsv, readOptionMinuteTrades, readOptionQuotesCsv } from '../flatfile-quotes.js';
import { RecordedChainSource, type RecordedReaders } from './recorded.js';
import { DATA_DIR } from '../../../test/helpers/data.js';

// The shared recorded data, or OPTDESK_DATA (test/helpers/data.ts).
const DATA = DATA_DIR;
const QUOTES_DIR = path.join(DATA, 'flatfiles/us_options_opra/quotes_v1');

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

function countingReaders() {
  const reads = { quotes: 0, trades: 0, openInterest: 0 };
  const readers: Partial<RecordedReaders> = {
    quotes: (file, options) => {
      reads.quotes++;
      return readOptionQuotesCsv(file, options);
    },
    trades: (file, options) => {
      reads.trades++;
      return readOptionMinuteTrades(file, options);
    },
    openInterest: (file) => {
      reads.openInterest++;
      return readOpenInterestCsv(file);
    },
    exists: existsSync,
  };
  return { reads, readers };
}

describe('RecordedChainSource', () => {
  const truth = groundTruth();

  it('answers unknown underlyings from the session index: one read of the quotes file, however many are asked', async () => {
    assert.deepEqual([...truth.get('2015-12-24')!], ['GOOG'], 'the data is what the test assumes');
    const { reads, readers } = countingReaders();
    const source = new RecordedChainSource(DATA, { readers });
    assert.equal(await source.has('GOOG', '2015-12-24'), true);
    const afterGoog = { ...reads };
    assert.equal(afterGoog.quotes, 1, 'the first request indexes the file and keeps GOOG in the same read');
    const unknown = fc.sample(fc.stringMatching(/^[A-Z]{1,5}$/).filter((s) => !truth.get('2015-12-24')!.has(s)), { numRuns: 200, seed: 42 });
    const answers = await Promise.all(unknown.map((u) => source.has(u, '2015-12-24')));
    assert.ok(answers.every((a) => a === false));
    assert.deepEqual(reads, afterGoog, `${unknown.length} unknown underlyings caused no file read`);
    // A session without a quotes file is not read either.
    assert.equal(await source.has('GOOG', '2013-10-10'), false);
    assert.deepEqual(reads, afterGoog);
    // The GOOG book itself is built from the quotes read while indexing.
    const chain = await source.expirations({ underlying: 'GOOG', session: '2015-12-24', at: Date.UTC(2015, 11, 24, 16), underlyingPrice: 750, rate: 0.003 });
    assert.ok(chain.length > 0);
    assert.equal(reads.quotes, 1, 'no second read of the quotes file for the first underlying');
    assert.equal(source.counters.bookLoads, 1);
    assert.deepEqual(source.loaded(), ['2015-12-24|GOOG'], 'unknown underlyings hold no cache slot');
  });

  it('keeps at most maxBooks books under any request sequence, and every answer matches the files', async () => {
    const sessions = ['2015-12-24', '2023-08-03', '2013-10-10'];
    const known = ['GOOG', 'SPY'];
    const { reads, readers } = countingReaders();
    const source = new RecordedChainSource(DATA, { readers, maxBooks: 1, maxSessions: 2 });
    const ctx = (underlying: string, session: string) => ({ underlying, session, at: Date.parse(`${session}T16:00:00Z`), underlyingPrice: 100, rate: 0.003 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ underlying: fc.oneof(fc.constantFrom(...known), fc.stringMatching(/^[A-Z]{1,4}$/)), session: fc.constantFrom(...sessions) }), { minLength: 1, maxLength: 8 }),
        async (requests) => {
          for (const { underlying, session } of requests) {
            const expected = truth.get(session)?.has(underlying) ?? false;
            assert.equal(await source.has(underlying, session), expected, `${underlying} on ${session}`);
            if (expected) assert.ok((await source.expirations(ctx(underlying, session))).length >= 0);
            assert.ok(source.loaded().length <= 1, `books ${source.loaded().join(', ')} exceed the bound`);
          }
        },
      ),
      { numRuns: 5 },
    );
    assert.ok(source.counters.evictions > 0, 'books were evicted and reloaded, not kept');
    // Every quotes read was either a session index or a book (re)load, never an unknown underlying.
    assert.ok(reads.quotes <= source.counters.bookLoads + source.counters.quoteFileReads);
    assert.equal(reads.quotes, source.counters.quoteFileReads);
  });
});
