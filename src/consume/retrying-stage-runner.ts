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
    let attempts = 1;
    const budgetMs = Math.max(0, this.policy.budgetMs - (began - this.started));
    // The first attempt is called directly (nearly every stage succeeds at once: one async frame and
    // its promises less per stage); after a failure `retry` takes over as if it had made that call.
    const again = (first: unknown): Promise<T> =>
      retry(
        (a) => {
          attempts = a.attempt;
          return a.attempt === 1 ? Promise.reject(first) : work(a);
        },
        { ...this.policy, budgetMs, isRetriable, startedAt: began },
      );
    const attempt = (): Promise<T> => {
      try {
        return work({ attempt: 1, remainingMs: budgetMs }).catch(again);
      } catch (error) {
        return again(error);
      }
    };
    const scope = this.scopes?.(stage);
    try {
      const value = scope ? await scope.run(attempt) : await attempt();
      scope?.end({ attempts });
      this.observe({ stage, ms: performance.now() - began, attempts });
      return value;
    } catch (error) {
      this.failedStage = stage;
      this.attempts = attempts;
      const wrapped = toIntegrityError(error);
      scope?.end({ attempts, error: wrapped });
      this.observe({ stage, ms: performance.now() - began, attempts, error: wrapped });
      throw wrapped;
    }
  }
}
