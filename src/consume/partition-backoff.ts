/** Backoff of paused partitions: doubling per consecutive failure, with jitter, up to a ceiling. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * Remembers how often each partition failed in a row and turns that into the next pause: between half
 * and all of `initialMs * 2^(failures-1)`, at most `maxMs` (equal jitter: never ~0, so a registry
 * that is down is not hammered by every partition at once).
 */
export class PartitionBackoff {
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Counts a failure and calls `resume` after the backoff; answers the delay and the failure count. */
  schedule(key: string, resume: () => void): { delayMs: number; failures: number } {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(failures - 1, 30));
    const delayMs = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      resume();
    }, delayMs);
    this.timers.add(timer);
    return { delayMs, failures };
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }

  /** Cancels every pending resume (the consumer is stopping). */
  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
