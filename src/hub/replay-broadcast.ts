/**
 * The `replay` status broadcast: every connected socket hears the replay clock, but at most
 * once per `minSpacingMs` (the feed reports a status on every tick); the latest status of
 * a throttled burst is the one sent.
 */
import type { ReplayStatus } from '../wire/protocol.js';

export class ReplayBroadcaster {
  private lastBroadcast = 0;
  private timer?: NodeJS.Timeout;
  private pending?: ReplayStatus;

  constructor(
    private readonly minSpacingMs: number,
    private readonly send: (status: ReplayStatus) => void,
  ) {}

  offer(status: ReplayStatus): void {
    this.pending = status;
    if (this.timer) return;
    const wait = this.lastBroadcast + this.minSpacingMs - performance.now();
    const flush = (): void => {
      this.timer = undefined;
      const latest = this.pending;
      this.pending = undefined;
      if (!latest) return;
      this.lastBroadcast = performance.now();
      this.send(latest);
    };
    if (wait <= 0) flush();
    else this.timer = setTimeout(flush, wait);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
