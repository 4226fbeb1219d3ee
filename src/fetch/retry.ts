import { setTimeout as delay } from 'node:timers/promises';
import { IntegrityError, toIntegrityError } from '../errors.js';

export interface RetryOptions {
  /** Most calls of `fn` in total, first one included; at least 1. */
  attempts: number;
  /** Upper bound of the first backoff, in ms; doubles per retry. */
  baseDelayMs: number;
  /** Cap of any one backoff, in ms. */
  maxDelayMs: number;
  /** Time from the first call after which no new attempt starts, in ms (the per-message budget). */
  budgetMs: number;
  /** Whether a failure is worth another attempt; `(e) => isIntegrityError(e) && e.retriable` is usual. */
  isRetriable: (error: unknown) => boolean;
  /** Waits `ms`; rejects with the signal's reason when it aborts. Default: a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Monotonic clock in ms. Default: `performance.now`. */
  now?: () => number;
  /** Uniform [0, 1) for the jitter. Default: `Math.random`. */
  random?: () => number;
  /** Stops waiting and retrying; the pending call sees it through `attempt.signal`. */
  signal?: AbortSignal;
  /**
   * When the first attempt started, on the `now` clock, for a caller that made the first call itself
   * and hands its failure over (fn's attempt 1 rethrows it): budget and elapsed time count from there.
   * @defaultValue now() when retry is called
   */
  startedAt?: number;
}

/** What `fn` learns about the attempt it runs. */
export interface RetryAttempt {
  /** 1 for the first call. */
  readonly attempt: number;
  /** Budget left when the attempt starts, in ms: a fetch can use it as its own deadline. */
  readonly remainingMs: number;
  readonly signal: AbortSignal | undefined;
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, { signal });

/**
 * Calls `fn` until it succeeds, the failure is not retriable, `attempts` are spent, or the next backoff
 * would end past `budgetMs`. Backoff is exponential with full jitter: before retry n (n = 1, 2, ...) it
 * waits `random() * min(maxDelayMs, baseDelayMs * 2^(n-1))`.
 *
 * On giving up it throws the last error as an {@link IntegrityError} (anything else is wrapped as
 * `IW_INTERNAL`) with the same code, `retriable` flag and details, plus `details.attempts` (calls
 * made) and `details.elapsedMs`; its `cause` is the last error itself. An aborted `signal` rejects with its reason instead.
 */
export async function retry<T>(fn: (attempt: RetryAttempt) => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, baseDelayMs, maxDelayMs, budgetMs, isRetriable, signal } = options;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError('attempts must be an integer >= 1');
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? (() => performance.now());
  const random = options.random ?? Math.random;
  const start = options.startedAt ?? now();
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn({ attempt, remainingMs: Math.max(0, budgetMs - (now() - start)), signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const backoffMs = random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const elapsedMs = now() - start;
      if (attempt >= attempts || !isRetriable(error) || elapsedMs + backoffMs >= budgetMs) {
        throw withAttempts(error, attempt, elapsedMs);
      }
      await sleep(backoffMs, signal);
    }
  }
}

function withAttempts(error: unknown, attempts: number, elapsedMs: number): IntegrityError {
  const last = toIntegrityError(error);
  return new IntegrityError(last.code, last.message, {
    cause: error,
    retriable: last.retriable,
    details: { ...last.details, attempts, elapsedMs: Math.round(elapsedMs) },
  });
}
