/**
 * Reading one flat file for its records, without the store: the replay and the options
 * chain read recorded files directly. Same header check and row parsers as the importer,
 * so a file the importer refuses is refused here with the same sentence.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { MinuteAggregate, OptionQuote } from '../../core/types.js';
import type { OpenInterest } from '../../store/types.js';
import { InputError } from '../../core/errors.js';
import { KIND_SPECS, dateFromFileName, mapHeader, type FlatFileKind } from './kinds.js';
import { rowParser } from './rows.js';

/** What each kind of file yields per row. */
export interface FlatFileRecords {
  'stocks-minute': MinuteAggregate;
  'stocks-day': MinuteAggregate;
  'options-minute': MinuteAggregate;
  'options-quotes': OptionQuote;
  'open-interest': OpenInterest;
}

export interface ReadFlatFileOptions {
  /** A malformed row (1-based line, reason). Default: skip it silently — the importer is the reporter. */
  onBadRow?: (line: number, reason: string) => void;
}

/**
 * Streams `path` (gzip or plain CSV) and calls `onRecord` for every good row. A header that
 * does not fit `kind` rejects with an InputError naming `file:1`.
 */
export async function readFlatFile<K extends FlatFileKind>(
  path: string,
  kind: K,
  onRecord: (record: FlatFileRecords[K]) => void,
  options: ReadFlatFileOptions = {},
): Promise<void> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  input.on('error', (e) => stream.destroy(e));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let parse: ReturnType<typeof rowParser> | undefined;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line === '') continue;
    const fields = line.split(',');
    if (!parse) {
      const index = mapHeader(KIND_SPECS[kind], fields);
      if (typeof index === 'string') throw new InputError(`${path}:1`, index);
      parse = rowParser(kind, index, dateFromFileName(path));
      continue;
    }
    const row = parse(fields);
    if (typeof row === 'string') options.onBadRow?.(lineNo, row);
    else onRecord(row as FlatFileRecords[K]);
  }
}
