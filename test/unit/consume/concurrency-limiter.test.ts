import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from '../../../src/consume/concurrency-limiter.js';

describe('ConcurrencyLimiter', () => {
  it('never runs more than its limit and reports waiting work', async () => {
    const limiter = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      limiter.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(limiter.inFlight).toBe(2);
    expect(limiter.waiting).toBe(3);
    while (releases.length < 5) {
      releases.forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
    releases.forEach((release) => release());
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(limiter.inFlight).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('refuses a limit below one', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});
