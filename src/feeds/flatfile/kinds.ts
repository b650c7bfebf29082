/**
 * Which Massive flat file a path is, and whether its header agrees.
 *
 * The path decides (Massive's bucket layout names the asset class and dataset), the
 * header confirms: a quotes file saved under minute_aggs_v1 must fail loudly instead of
 * importing prices from the wrong columns.
 */
import type { ImportKind } from '../../store/types.js';

export type FlatFileKind = ImportKind;

export interface KindSpec {
  kind: FlatFileKind;
  /** How a trader would name it in an error message. */
  label: string;
  /** Columns the importer reads; the header must contain all of them (order is free). */
  required: readonly string[];
  /** Columns read when present. */
  optional: readonly string[];
}

const AGGREGATE_COLUMNS = ['ticker', 'volume', 'open', 'close', 'high', 'low', 'window_start'] as const;

export const KIND_SPECS: Readonly<Record<FlatFileKind, KindSpec>> = {
  'stocks-minute': {
    kind: 'stocks-minute',
    label: 'stocks minute_aggs_v1',
    required: AGGREGATE_COLUMNS,
    optional: ['transactions'],
  },
  'stocks-day': {
    kind: 'stocks-day',
    label: 'stocks day_aggs_v1',
    required: AGGREGATE_COLUMNS,
    optional: ['transactions'],
  },
  'options-minute': {
    kind: 'options-minute',
    label: 'options minute_aggs_v1',
    required: AGGREGATE_COLUMNS,
    optional: ['transactions'],
  },
  'options-quotes': {
    kind: 'options-quotes',
    label: 'options quotes_v1',
    required: ['ticker', 'ask_price', 'ask_size', 'bid_price', 'bid_size', 'sip_timestamp'],
    optional: ['sequence_number'],
  },
  'open-interest': {
    kind: 'open-interest',
    label: 'open interest',
    required: ['ticker', 'open_interest'],
    optional: ['date'],
  },
};

/** File names the importer reads: gzip CSV as Massive ships it, or an already unpacked CSV. */
export function isCsvFile(path: string): boolean {
  return /\.csv(\.gz)?$/i.test(path);
}

/**
 * The kind a path names, from Massive's layout:
 * `us_stocks_sip/{minute,day}_aggs_v1/…`, `us_options_opra/{minute_aggs,quotes}_v1/…`,
 * `…/open_interest/…`. Undefined when the path does not say.
 */
export function kindFromPath(path: string): FlatFileKind | undefined {
  if (!isCsvFile(path)) return undefined;
  const p = path.replace(/\\/g, '/');
  if (p.includes('/us_stocks_sip/minute_aggs_v1/')) return 'stocks-minute';
  if (p.includes('/us_stocks_sip/day_aggs_v1/')) return 'stocks-day';
  if (p.includes('/us_options_opra/minute_aggs_v1/')) return 'options-minute';
  if (p.includes('/us_options_opra/quotes_v1/')) return 'options-quotes';
  if (p.includes('/open_interest/')) return 'open-interest';
  return undefined;
}

/** Why a path is not imported, for the "ignored" notes of a directory import. */
export function whyUnrecognised(path: string): string {
  if (!isCsvFile(path)) return 'not a .csv or .csv.gz file';
  const p = path.replace(/\\/g, '/');
  if (/\/(minute_aggs_v1|day_aggs_v1|quotes_v1)\//.test(p) && !/\/(us_stocks_sip|us_options_opra)\//.test(p)) {
    return 'cannot tell stocks from options: keep the us_stocks_sip/ or us_options_opra/ folder from the Massive layout';
  }
  return 'not a Massive flat-file layout this importer knows (stocks minute/day aggs, options minute aggs/quotes, open_interest)';
}

/** Column name → index for the spec's columns; a reason string when the header does not fit. */
export function mapHeader(spec: KindSpec, header: readonly string[]): Map<string, number> | string {
  const index = new Map<string, number>();
  header.forEach((name, i) => index.set(name.trim().toLowerCase(), i));
  const missing = spec.required.filter((c) => !index.has(c));
  if (missing.length === 0) return index;
  const looksLike = (Object.values(KIND_SPECS) as KindSpec[]).find(
    (other) => other.required.every((c) => index.has(c)) && other.required.join() !== spec.required.join(),
  );
  return (
    `header "${header.join(',')}" is missing ${missing.join(', ')} for a ${spec.label} file` +
    (looksLike ? ` (it looks like a ${looksLike.label} file: check the folder it is in)` : '')
  );
}

/** The trading date in a file name like `2015-12-24.csv.gz` (open interest files carry no date column). */
export function dateFromFileName(path: string): string | undefined {
  return /(\d{4}-\d{2}-\d{2})\.csv(\.gz)?$/i.exec(path)?.[1];
}
