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

/** The default deadline of a socket or condition wait. */
export const DEFAULT_WAIT_MS = scaled(30_000);
