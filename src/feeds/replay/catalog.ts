/**
 * The recorded data a replay can play: which sessions exist in the data dir, their
 * minute bars per symbol, and the vendor daily bars per ticker.
 *
 * Files are Massive flat files (gzip CSV) read through src/feeds/flatfile's reader, so a file the importer would refuse is refused here
 * with the same sentence. Everything is cached: the recorded sessions are small
 * (~2k rows a day) and a replay re-reads them on every jump.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DailyAggregate, IsoDate, MinuteAggregate } from '../../core/types.js';
import { readFlatFile } from '../flatfile/read.js';

export const MINUTE_DIR = 'flatfiles/us_stocks_sip/minute_aggs_v1';
export const DAILY_DIR = 'flatfiles/us_stocks_sip/day_aggs_v1/by_ticker';

export interface RecordedSession {
  date: IsoDate;
  /** Symbols with at least one minute bar that day, ascending. */
  symbols: string[];
  file: string;
}

export class ReplayCatalog {
  private sessionList?: Promise<RecordedSession[]>;
  private readonly minuteFiles = new Map<IsoDate, Promise<Map<string, MinuteAggregate[]>>>();
  private readonly dailyFiles = new Map<string, Promise<DailyAggregate[]>>();

  constructor(readonly dataDir: string) {}

  /** Recorded sessions, ascending by date. [] when the data dir has no minute files. */
  sessions(): Promise<RecordedSession[]> {
    this.sessionList ??= this.scanSessions();
    return this.sessionList;
  }

  /** One session's minute bars by symbol, each list ascending by start. Empty map for an unrecorded date. */
  async minutes(date: IsoDate): Promise<Map<string, MinuteAggregate[]>> {
    let hit = this.minuteFiles.get(date);
    if (!hit) {
      const session = (await this.sessions()).find((s) => s.date === date);
      hit = session ? readMinuteFile(session.file) : Promise.resolve(new Map());
      this.minuteFiles.set(date, hit);
    }
    return hit;
  }

  /** Vendor daily bars of `symbol` ascending; [] when there is no by_ticker file for it. */
  daily(symbol: string): Promise<DailyAggregate[]> {
    let hit = this.dailyFiles.get(symbol);
    if (!hit) {
      hit = readDailyFile(path.join(this.dataDir, DAILY_DIR, `${symbol}.csv.gz`));
      this.dailyFiles.set(symbol, hit);
    }
    return hit;
  }

  private async scanSessions(): Promise<RecordedSession[]> {
    const root = path.join(this.dataDir, MINUTE_DIR);
    const files: Array<{ date: IsoDate; file: string }> = [];
    for (const year of await listDir(root)) {
      for (const month of await listDir(path.join(root, year))) {
        for (const name of await listDir(path.join(root, year, month))) {
          const m = /^(\d{4}-\d{2}-\d{2})\.csv\.gz$/.exec(name);
          if (m) files.push({ date: m[1]!, file: path.join(root, year, month, name) });
        }
      }
    }
    files.sort((a, b) => (a.date < b.date ? -1 : 1));
    const out: RecordedSession[] = [];
    for (const f of files) {
      const bySymbol = await readMinuteFile(f.file);
      // Keep the parsed file: the first replay of any session needs it anyway.
      this.minuteFiles.set(f.date, Promise.resolve(bySymbol));
      out.push({ date: f.date, file: f.file, symbols: [...bySymbol.keys()].sort() });
    }
    return out;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return []; // a missing folder just means no data there
  }
}

async function readMinuteFile(file: string): Promise<Map<string, MinuteAggregate[]>> {
  const bySymbol = new Map<string, MinuteAggregate[]>();
  for (const agg of await readAggregates(file, 'stocks-minute')) {
    let list = bySymbol.get(agg.symbol);
    if (!list) bySymbol.set(agg.symbol, (list = []));
    list.push(agg);
  }
  for (const list of bySymbol.values()) list.sort((a, b) => a.start - b.start);
  return bySymbol;
}

async function readDailyFile(file: string): Promise<DailyAggregate[]> {
  try {
    await stat(file);
  } catch {
    return [];
  }
  return (await readAggregates(file, 'stocks-day')).sort((a, b) => a.start - b.start);
}

/** A recorded aggregates file; malformed rows are skipped (the importer reports them, a replay only needs the good ones). */
async function readAggregates(file: string, kind: 'stocks-minute' | 'stocks-day'): Promise<MinuteAggregate[]> {
  const out: MinuteAggregate[] = [];
  await readFlatFile(file, kind, (row) => out.push(row));
  return out;
}
