/**
 * A loop that does due work until there is none, then sleeps until the next due time, a wake-up, or `maxSleepMs`
 * (a safety net against missed wake-ups). Used by the engine's queue runner, the notification outbox and the
 * Slack interaction processor. Errors thrown by `tick` are reported and the loop goes on.
 */
export interface WorkLoopOptions {
  /**
   * Does one batch of due work; returns how many items it handled (0 = nothing due), or a negative number when it
   * is at capacity (then the loop sleeps until woken or `maxSleepMs`, without asking `nextDueAt`).
   */
  tick: () => Promise<number>;
  /** Epoch ms of the next due work, or null when none is scheduled. */
  nextDueAt: () => Promise<number | null>;
  /** Upper bound of a sleep, ms. */
  maxSleepMs: number;
  onError: (err: unknown) => void;
  now?: () => number;
}

export class WorkLoop {
  private running = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private done: Promise<void> | null = null;

  constructor(private readonly opts: WorkLoopOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.loop();
  }

  /** Wakes the loop at once (work was just committed). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops after the batch in progress; resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.done;
  }

  private async loop(): Promise<void> {
    const now = this.opts.now ?? Date.now;
    while (this.running) {
      let handled = 0;
      this.woken = false;
      try {
        handled = await this.opts.tick();
      } catch (err) {
        this.opts.onError(err);
      }
      if (!this.running) break;
      // Let I/O (HTTP requests, Slack callbacks) in between batches: the SQLite driver is synchronous underneath,
      // so without this a long run of due work would starve the server.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (handled > 0 || this.woken) continue;
      let sleep = this.opts.maxSleepMs;
      if (handled === 0) {
        try {
          const next = await this.opts.nextDueAt();
          if (next !== null) sleep = Math.max(0, Math.min(sleep, next - now()));
        } catch (err) {
          this.opts.onError(err);
        }
      }
      if (sleep === 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sleep);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
        if (this.woken || !this.running) this.wakeUp();
      });
      this.wakeUp = null;
    }
  }
}
