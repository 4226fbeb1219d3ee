import { isIntegrityError, toIntegrityError } from '../errors.js';
import { retry } from '../fetch/retry.js';
import type { StageName, StageRunner } from '../pipeline/stage-runner.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Time one message may spend retrying, counted from its first stage, ms. */
  budgetMs: number;
}

/** Told about every stage run: for metrics and spans. */
export type StageObserver = (event: {
  stage: StageName;
  ms: number;
  attempts: number;
  error?: unknown;
}) => void;

/**
 * The runner's {@link StageRunner} for one message: retries retriable IntegrityErrors with backoff
 * while the message's budget lasts (the budget is shared by all its stages), and remembers which stage
 * failed last and after how many attempts, for the dead letter.
 */
export class RetryingStageRunner implements StageRunner {
  private readonly started = performance.now();
  failedStage: StageName | undefined;
  attempts = 0;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly observe: StageObserver = () => {},
  ) {}

  async run<T>(
    stage: StageName,
    work: (attempt: { attempt: number; remainingMs: number }) => Promise<T>,
  ): Promise<T> {
    const began = performance.now();
    let attempts = 0;
    const budgetMs = Math.max(0, this.policy.budgetMs - (began - this.started));
    try {
      const value = await retry(
        (attempt) => {
          attempts = attempt.attempt;
          return work(attempt);
        },
        { ...this.policy, budgetMs, isRetriable: (e) => isIntegrityError(e) && e.retriable },
      );
      this.observe({ stage, ms: performance.now() - began, attempts });
      return value;
    } catch (error) {
      this.failedStage = stage;
      this.attempts = attempts;
      const wrapped = toIntegrityError(error);
      this.observe({ stage, ms: performance.now() - began, attempts, error: wrapped });
      throw wrapped;
    }
  }
}
