import { DEFAULT_WAIT_MS } from './timeouts.js';

/**
 * Polls `predicate` every 10 ms until it holds, failing with `what` after `timeoutMs`
 * (default: a generous, OPTDESK_TEST_TIMEOUT_SCALE-scaled deadline): waiting without fixed sleeps.
 */
export async function until(what: string, predicate: () => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
