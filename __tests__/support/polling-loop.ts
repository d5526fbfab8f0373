/**
 * Runs `pass` again `intervalMs` after each one finishes, until stopped: the reconcile loop the test-side
 * status controllers share. A failed pass is logged and the loop goes on, as a controller would.
 */
export class PollingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<void>,
  ) {}

  start(): void {
    const tick = (): void => {
      this.running = this.pass()
        .catch((error: unknown) => console.warn(`${this.name}:`, error))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Resolves once the pass in flight, if any, has finished. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
