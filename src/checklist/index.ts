/**
 * checklist/ — the 8-point entry checklist and its grade (A+ … F), rule-based and cached.
 *
 * - points.ts: the eight rules, each a pure function of the symbol's fields (src/indicators
 *   SymbolState), the chosen option contract and the thresholds → pass/fail with the value
 *   that decided it, the threshold and a sentence;
 * - grade.ts: score 0–8 → grade, configurable thresholds (zod, errors name the field);
 * - service.ts: builds the inputs from a BarReader and an option lookup, caches results per
 *   (symbol, direction, contract, clock minute) so the chart header, the scanner and the
 *   order ticket show the same grade for the same minute.
 */
export * from './grade.js';
export * from './points.js';
export * from './service.js';
