import { afterEach, describe, expect, it, vi } from 'vitest';
import { withRedisTimeout } from '../../../src/cache/redis-call-timeout.js';

describe('withRedisTimeout', () => {
  afterEach(() => vi.useRealTimers());

  it('passes the value of a call that answers in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    await expect(withRedisTimeout(Promise.resolve('OK'), 50)).resolves.toBe('OK');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes the call's own error", async () => {
    await expect(withRedisTimeout(Promise.reject(new Error('READONLY')), 50)).rejects.toThrow('READONLY');
  });

  it('rejects a call slower than the timeout, naming it', async () => {
    vi.useFakeTimers();
    const call = withRedisTimeout(new Promise<string>(() => {}), 50);
    const settled = expect(call).rejects.toThrow('redis call exceeded 50 ms');
    await vi.advanceTimersByTimeAsync(50);
    await settled;
  });
});
