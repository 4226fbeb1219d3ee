import { isIntegrityError, toIntegrityError } from '../errors.js';
import { retry } from '../fetch/retry.js';
import type { StageName, StageRunner } from '../stage-runner.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Time one message may spend retrying, counted from its first stage, ms. */
  budgetMs: number;
}

const isRetriable = (e: unknown): boolean => isIntegrityError(e) && e.retriable;

/** Told about every stage run (after all its attempts): for metrics. */
export type StageObserver = (event: {
  stage: StageName;
  ms: number;
  attempts: number;
  error?: unknown;
}) => void;

/** One stage run seen from tracing: `run` makes the stage's span active around its work. */
export interface StageScope {
  run<T>(work: () => Promise<T>): Promise<T>;
  end(outcome: { attempts: number; error?: unknown }): void;
}

/** Opens a {@link StageScope} per stage run (a span, in `src/telemetry/stage-spans.ts`). */
export type StageScopes = (stage: StageName) => StageScope;

/**
 * The runner's {@link StageRunner} for one message: retries retriable IntegrityErrors with backoff
 * while the message's budget lasts (the budget is shared by all its stages), and remembers which stage
 * failed last and after how many attempts, for the dead letter. Each stage run, all attempts
 * included, is one scope (span) and one observation (metrics).
 */
export class RetryingStageRunner implements StageRunner {
  private readonly started = performance.now();
  failedStage: StageName | undefined;
  attempts = 0;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly observe: StageObserver = () => {},
    private readonly scopes?: StageScopes,
  ) {}

  async run<T>(
    stage: StageName,
    work: (attempt: { attempt: number; remainingMs: number }) => Promise<T>,
  ): Promise<T> {
    const began = performance.now();
    const budgetMs = Math.max(0, this.policy.budgetMs - (began - this.started));
    const scope = this.scopes?.(stage);
    // `attempts` is 1 unless the first attempt failed (then `again` counts them).
    const tally = { attempts: 1 };
    try {
      // The first attempt is awaited directly (nearly every stage succeeds at once: no closures, no
      // extra promise per stage); after a failure `retry` takes over as if it had made that call.
      let value: T;
      if (scope) value = await scope.run(() => this.attempt(work, budgetMs, began, tally));
      else {
        try {
          value = await work({ attempt: 1, remainingMs: budgetMs });
        } catch (first) {
          value = await this.again(first, work, budgetMs, began, tally);
        }
      }
      scope?.end({ attempts: tally.attempts });
      this.observe({ stage, ms: performance.now() - began, attempts: tally.attempts });
      return value;
    } catch (error) {
      this.failedStage = stage;
      this.attempts = tally.attempts;
      const wrapped = toIntegrityError(error);
      scope?.end({ attempts: tally.attempts, error: wrapped });
      this.observe({ stage, ms: performance.now() - began, attempts: tally.attempts, error: wrapped });
      throw wrapped;
    }
  }

  private async attempt<T>(
    work: (attempt: { attempt: number; remainingMs: number }) => Promise<T>,
    budgetMs: number,
    began: number,
    tally: { attempts: number },
  ): Promise<T> {
    try {
      return await work({ attempt: 1, remainingMs: budgetMs });
    } catch (first) {
      return this.again(first, work, budgetMs, began, tally);
    }
  }

  private again<T>(
    first: unknown,
    work: (attempt: { attempt: number; remainingMs: number }) => Promise<T>,
    budgetMs: number,
    began: number,
    tally: { attempts: number },
  ): Promise<T> {
    return retry(
      (a) => {
        tally.attempts = a.attempt;
        return a.attempt === 1 ? Promise.reject(first) : work(a);
      },
      { ...this.policy, budgetMs, isRetriable, startedAt: began },
    );
  }
}
