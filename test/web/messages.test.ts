/** The dashboard shows server errors as sentences, without the wire's event and field prefixes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sentence } from '../../web/src/messages.js';

test('wire prefixes are removed and the rest reads as a sentence', () => {
  assert.equal(
    sentence('options:subscribe: expiration: 2013-10-11 is not an open SPY expiration at 2023-08-03 09:30 ET; open: 2023-09-01'),
    '2013-10-11 is not an open SPY expiration at 2023-08-03 09:30 ET; open: 2023-09-01.',
  );
  assert.equal(sentence('underlying: No option data for GOOG: no GOOG trades'), 'No option data for GOOG: no GOOG trades.');
  assert.equal(sentence('entries.0.ticker: must be an option ticker like O:GOOG151224C00750000'), 'Must be an option ticker like O:GOOG151224C00750000.');
  assert.equal(sentence('Connection lost.'), 'Connection lost.');
  assert.equal(sentence(''), 'Something went wrong on the server.');
});
