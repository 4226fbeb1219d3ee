import { describe, expect, it } from 'vitest';
import { IntegrityError, isIntegrityError } from '../../../src/errors.js';
import { retry } from '../../../src/fetch/retry.js';
import type { RetryOptions } from '../../../src/fetch/retry.js';

/** A fake clock: sleeping advances it, and every sleep is recorded. */
function fakeTime(random = () => 1 - Number.EPSILON) {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    advance: (ms: number) => void (now += ms),
    options: {
      now: () => now,
      random,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    } satisfies Partial<RetryOptions>,
  };
}

const transient = () => new IntegrityError('IW_FETCH_HTTP_5XX', 'busy', { details: { status: 503 } });
const isRetriable = (e: unknown) => isIntegrityError(e) && e.retriable;
const base = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 60_000, isRetriable };

describe('retry', () => {
  it('returns the first success and tells fn its attempt and remaining budget', async () => {
    const time = fakeTime();
    const seen: Array<[number, number]> = [];
    const result = await retry(
      async ({ attempt, remainingMs }) => {
        seen.push([attempt, remainingMs]);
        if (attempt < 3) throw transient();
        return 'ok';
      },
      { ...base, budgetMs: 10_000, ...time.options },
    );
    expect(result).toBe('ok');
    expect(seen.map(([a]) => a)).toEqual([1, 2, 3]);
    expect(seen[0]![1]).toBe(10_000);
    expect(seen[2]![1]).toBeCloseTo(10_000 - time.sleeps[0]! - time.sleeps[1]!);
  });

  it('backs off exponentially up to maxDelayMs (jitter at its upper bound)', async () => {
    const time = fakeTime();
    await expect(
      retry(async () => Promise.reject(transient()), { ...base, attempts: 6, ...time.options }),
    ).rejects.toThrow();
    expect(time.sleeps.map(Math.round)).toEqual([100, 200, 400, 800, 1000]);
  });

  it('draws full jitter in [0, cap)', async () => {
    const draws = [0, 0.5, 0.25];
    const time = fakeTime(() => draws.shift()!);
    await expect(
      retry(async () => Promise.reject(transient()), { ...base, attempts: 4, ...time.options }),
    ).rejects.toThrow();
    expect(time.sleeps).toEqual([0, 100, 100]);
  });

  it('throws the last error with its code, retriable flag, details and the attempt count', async () => {
    const time = fakeTime();
    let calls = 0;
    const error = await retry(
      async () => {
        calls++;
        throw transient();
      },
      { ...base, attempts: 3, ...time.options },
    ).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(isIntegrityError(error, 'IW_FETCH_HTTP_5XX')).toBe(true);
    expect((error as IntegrityError).retriable).toBe(true);
    expect((error as IntegrityError).details).toMatchObject({ status: 503, attempts: 3 });
  });

  it('does not retry a permanent error', async () => {
    const time = fakeTime();
    let calls = 0;
    const error = await retry(
      async () => {
        calls++;
        throw new IntegrityError('IW_FETCH_HTTP_STATUS', 'gone', { details: { status: 404 } });
      },
      { ...base, ...time.options },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(time.sleeps).toEqual([]);
    expect((error as IntegrityError).code).toBe('IW_FETCH_HTTP_STATUS');
    expect((error as IntegrityError).details).toMatchObject({ attempts: 1 });
  });

  it('stops before a backoff would end past the budget, counting time spent in fn', async () => {
    const time = fakeTime();
    let calls = 0;
    const error = await retry(
      async () => {
        calls++;
        time.advance(300);
        throw transient();
      },
      { ...base, attempts: 10, budgetMs: 1000, ...time.options },
    ).catch((e: unknown) => e);
    // 300 + 100 < 1000: retry; 700 + 200 < 1000: retry; 1200 + 400 > 1000: stop.
    expect(calls).toBe(3);
    expect((error as IntegrityError).details).toMatchObject({ attempts: 3, elapsedMs: 1200 });
  });

  it('wraps a foreign error as IW_INTERNAL with attempts', async () => {
    const error = await retry(async () => Promise.reject(new TypeError('bug')), {
      ...base,
      isRetriable: () => false,
      ...fakeTime().options,
    }).catch((e: unknown) => e);
    expect((error as IntegrityError).code).toBe('IW_INTERNAL');
    expect((error as IntegrityError).cause).toBeInstanceOf(TypeError);
    expect((error as IntegrityError).details).toMatchObject({ attempts: 1 });
  });

  it('stops with the abort reason when the signal aborts during a backoff', async () => {
    const controller = new AbortController();
    const reason = new Error('shutdown');
    let calls = 0;
    const error = await retry(
      async () => {
        calls++;
        throw transient();
      },
      {
        ...base,
        sleep: async () => controller.abort(reason),
        signal: controller.signal,
      },
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(calls).toBe(1);
  });

  it('refuses attempts below 1', async () => {
    await expect(retry(async () => 1, { ...base, attempts: 0 })).rejects.toThrow(RangeError);
  });

  it('counts budget and elapsed time from startedAt when the caller made the first call itself', async () => {
    const time = fakeTime();
    time.advance(900); // the caller's own first attempt took 900 ms
    const first = transient();
    const error = await retry(
      async ({ attempt }) => {
        if (attempt === 1) throw first;
        time.advance(50);
        throw transient();
      },
      { ...base, budgetMs: 1000, startedAt: 0, ...time.options },
    ).catch((e: unknown) => e);
    // One backoff of up to 100 ms fits in the 100 ms left of the budget only with full jitter < 1: none.
    expect(isIntegrityError(error, 'IW_FETCH_HTTP_5XX')).toBe(true);
    expect((error as IntegrityError).details).toMatchObject({ attempts: 1, elapsedMs: 900 });
    expect((error as IntegrityError).cause).toBe(first);
  });
});
