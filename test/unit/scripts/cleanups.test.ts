import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cleanups } from '../../../scripts/lib/cleanups.js';

describe('Cleanups', () => {
  afterEach(() => vi.useRealTimers());

  it('undoes in reverse order, and a failing step does not stop the others', async () => {
    const lines: string[] = [];
    const done: string[] = [];
    const cleanups = new Cleanups((l) => lines.push(l));
    cleanups.add('stack', () => done.push('stack'));
    cleanups.add('broken', () => {
      throw new Error('boom');
    });
    cleanups.add('reader', async () => done.push('reader'));
    await cleanups.run();
    expect(done).toEqual(['reader', 'stack']);
    expect(lines).toEqual(['cleanup "broken" failed: boom']);
  });

  it('leaves a step that never finishes behind after its timeout and runs the rest', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const done: string[] = [];
    const cleanups = new Cleanups((l) => lines.push(l), 1000);
    cleanups.add('stack', () => done.push('stack'));
    cleanups.add('stuck consumer', () => new Promise(() => undefined));
    const running = cleanups.run();
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await running;
    expect(done).toEqual(['stack']);
    expect(lines).toEqual(['cleanup "stuck consumer" did not finish within 1000 ms; left behind']);
  });
});
