/**
 * A background loop that works off what is due, and sleeps `intervalMs` when there was nothing (or
 * until {@link notify}). The settlement outbox and the webhook sender run on it; several instances
 * each run one, and the store decides who takes what.
 *
 * @example
 * const loop = new PollingLoop(() => this.drain(), 1000, (error) => logger.warn(`poll failed: ${error.message}`));
 * loop.start();
 */
export class PollingLoop {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  /** Ends the current sleep (on stop), whether or not a notify may. */
  private endSleep?: () => void;

  /**
   * `work` returns how many items it took: 0 means sleep `intervalMs` before the next poll (or until notified).
   * After a poll that took something, the next one waits `gapMs` (default 0), which a notify does not cut short:
   * what is recorded meanwhile gathers, and the next poll takes it together.
   */
  constructor(
    private readonly work: () => Promise<number>,
    private readonly intervalMs: number,
    private readonly onError: (error: Error) => void,
    private readonly gapMs = 0,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling and waits for the work in hand. */
  async stop(): Promise<void> {
    this.running = false;
    this.endSleep?.();
    await this.loop;
  }

  /** Polls now instead of at the end of the sleep (something was just recorded). */
  notify(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let taken = 0;
      try {
        taken = await this.work();
      } catch (error) {
        this.onError(error as Error);
      }
      if (!this.running) break;
      if (taken === 0) await this.sleep(this.intervalMs, true);
      else if (this.gapMs > 0) await this.sleep(this.gapMs, false);
    }
  }

  private sleep(ms: number, wakeOnNotify: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = this.endSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = wakeOnNotify ? done : undefined;
      this.endSleep = done;
    });
  }
}
