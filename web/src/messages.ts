/**
 * Server errors as a trader reads them. The wire says "event: field: why" (for developers
 * and scripts); the dashboard shows the "why" as a sentence, never the wire prefix.
 */

/** "options:subscribe: expiration: 2013-10-11 is not open" → "2013-10-11 is not open." */
export function sentence(message: string): string {
  let s = message.trim().replace(/^[a-z]+:[a-z]+:\s*/i, ''); // socket event, e.g. "options:subscribe: "
  s = s.replace(/^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)*:\s+/, ''); // field, e.g. "expiration: " or "entries.0.ticker: "
  if (!s) return 'Something went wrong on the server.';
  s = s[0]!.toUpperCase() + s.slice(1);
  return /[.!?…)]$/.test(s) ? s : `${s}.`;
}
