/**
 * The dashboard's number formatting (web/src/format.ts): volumes pick their unit and
 * decimals from the value as shown, and missing numbers are a dash, never 0 or NaN.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPct, formatPrice, formatSigned, formatVolume } from '../../web/src/format.js';

test('formatVolume: a value that rounds up to the next unit is shown in that unit', () => {
  assert.equal(formatVolume(999_960), '1.00M'); // was "1000.0k"
  assert.equal(formatVolume(999_999), '1.00M');
  assert.equal(formatVolume(999_949), '999.9k');
  assert.equal(formatVolume(999_960_000), '1.00B'); // was "1000.0M"
});

test('formatVolume: decimals follow the shown magnitude', () => {
  assert.equal(formatVolume(9_999), '10.0k'); // was "10.00k"
  assert.equal(formatVolume(9_999_999), '10.0M'); // was "10.00M"
  assert.equal(formatVolume(9_994), '9.99k');
  assert.equal(formatVolume(2_091_143), '2.09M');
  assert.equal(formatVolume(47_775_557), '47.8M');
  assert.equal(formatVolume(1_234_000_000), '1.23B');
});

test('formatVolume: small values are whole numbers; missing is a dash', () => {
  assert.equal(formatVolume(0), '0');
  assert.equal(formatVolume(999), '999');
  assert.equal(formatVolume(1_000), '1.00k');
  for (const v of [null, undefined, Number.NaN, Infinity]) assert.equal(formatVolume(v), '—');
});

test('missing prices and changes are a dash, never 0 or NaN', () => {
  for (const v of [null, undefined, Number.NaN, -Infinity]) {
    assert.equal(formatPrice(v), '—');
    assert.equal(formatSigned(v), '—');
    assert.equal(formatPct(v), '—');
  }
  assert.equal(formatPrice(0.05), '0.05');
  assert.equal(formatSigned(-0.07), '−0.07');
});
