/**
 * feeds/flatfile/ — imports Massive flat files (gzip CSV, as downloaded from Massive's S3
 * buckets) into the store: stocks `minute_aggs_v1` and `day_aggs_v1` (per-day files or
 * the per-ticker `by_ticker/` layout), options `minute_aggs_v1` and `quotes_v1`, and
 * `reference/open_interest`.
 *
 * It owns: recognising a file's kind (path, confirmed by the header), streaming and
 * validating rows (epoch ns → ms without float loss, empty bid/ask → null, malformed
 * rows reported as file:line and skipped), batching writes, and the import report.
 * It does not build bars: the store keeps the vendor aggregates and src/bars derives
 * every timeframe from them. The terminal progress bar lives in progress.ts so the
 * importer itself has no UI.
 */
export {
  importDirectory,
  importFile,
  type DirectoryImportReport,
  type FileImportReport,
  type ImportFileOptions,
  type ImportOptions,
  type ImportProgress,
  type RowError,
} from './importer.js';
export { KIND_SPECS, isCsvFile, kindFromPath, type FlatFileKind, type KindSpec } from './kinds.js';
export { nsToMs } from './rows.js';
export { readFlatFile, type FlatFileRecords, type ReadFlatFileOptions } from './read.js';
export { createImportProgressBar, type ImportProgressReporter } from './progress.js';
