/**
 * How long a test waits before it gives up. Waits end as soon as their condition holds, so
 * a long deadline costs nothing when things work; it only has to outlast a busy machine
 * (the suite runs on shared 2-core boxes). OPTDESK_TEST_TIMEOUT_SCALE multiplies every
 * deadline (e.g. 3 under heavy load, or under a debugger).
 */
export const TIMEOUT_SCALE = ((): number => {
  const raw = process.env.OPTDESK_TEST_TIMEOUT_SCALE;
  const n = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`OPTDESK_TEST_TIMEOUT_SCALE: must be a positive number, got "${raw}"`);
  return n;
})();

/** A deadline of `ms` at normal load, scaled. */
export function scaled(ms: number): number {
  return Math.round(ms * TIMEOUT_SCALE);
}

/**
 * The default deadline of a socket, condition or browser wait: two minutes, because a wait
 * ends as soon as its condition holds and a 2-core CI box running four test files at once
 * (each with a server, some with Chromium) has stalled a single wait past 30 s.
 */
export const DEFAULT_WAIT_MS = scaled(120_000);
