/**
 * Polls `predicate` every 10 ms until it holds, failing with `what` after `timeoutMs`: waiting
 * without fixed sleeps. Generous by default: test files run concurrently on a busy machine.
 */
export async function until(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
