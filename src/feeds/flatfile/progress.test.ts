import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { createImportProgressBar } from './progress.js';
import type { ImportProgress } from './importer.js';

/** A stand-in terminal: what cli-progress needs from a TTY stream, capturing the output. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; output: () => string } {
  let out = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  Object.assign(w, { isTTY, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream: w as unknown as NodeJS.WriteStream, output: () => out };
}

const step = (read: number, done: boolean): ImportProgress => ({
  file: '/d/us_stocks_sip/minute_aggs_v1/2013/10/2013-10-07.csv.gz', kind: 'stocks-minute', fileIndex: 1, fileCount: 1,
  fileBytesRead: read, fileBytes: 2 * 1024 * 1024, totalBytesRead: read, totalBytes: 2 * 1024 * 1024,
  rowsOk: 1856, rowsBad: 0, done,
});

describe('createImportProgressBar', () => {
  it('stays silent when stderr is not a terminal', () => {
    assert.equal(createImportProgressBar(fakeStream(false).stream), undefined);
  });

  it('draws bytes read, file and rows on a terminal', () => {
    const { stream, output } = fakeStream(true);
    const bar = createImportProgressBar(stream)!;
    bar.onProgress(step(0, false));
    bar.onProgress(step(2 * 1024 * 1024, true));
    bar.stop();
    bar.stop();
    assert.match(output(), /100% \| 2\.0\/2\.0 MiB \| file 1\/1 2013-10-07\.csv\.gz \| 1856 rows, 0 bad/);
  });
});
