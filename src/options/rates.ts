/**
 * A default risk-free rate when the user gives none: the approximate annual average of the
 * 3-month US Treasury bill yield (FRED series TB3MS, rounded). Good enough for IV and greeks
 * on short-dated equity options; anyone who cares passes `--rate` / `rate=`.
 */
const TBILL_3M_ANNUAL_AVERAGE: Record<number, number> = {
  1998: 0.0478, 1999: 0.0464, 2000: 0.0582, 2001: 0.034, 2002: 0.0161, 2003: 0.0101, 2004: 0.0137,
  2005: 0.0315, 2006: 0.0473, 2007: 0.0435, 2008: 0.0137, 2009: 0.0015, 2010: 0.0014, 2011: 0.0005,
  2012: 0.0009, 2013: 0.0006, 2014: 0.0003, 2015: 0.0005, 2016: 0.0032, 2017: 0.0093, 2018: 0.0194,
  2019: 0.0206, 2020: 0.0037, 2021: 0.0004, 2022: 0.0202, 2023: 0.0507, 2024: 0.0497,
};

/** The default rate for a date (`YYYY-…`); years after the table use its last value. */
export function defaultRiskFreeRate(date: string): number {
  const year = Number(date.slice(0, 4));
  const years = Object.keys(TBILL_3M_ANNUAL_AVERAGE).map(Number);
  const last = Math.max(...years);
  const first = Math.min(...years);
  return TBILL_3M_ANNUAL_AVERAGE[Math.min(Math.max(year, first), last)]!;
}
