import { describe, expect, it } from 'vitest';
import { ScoreMemo } from '../../../src/signals/score-memo.js';

describe('ScoreMemo', () => {
  it('computes concurrent requests for one key once and shares the result', async () => {
    const memo = new ScoreMemo(10);
    let runs = 0;
    let release!: () => void;
    const compute = async () => {
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
      return { a: 1 };
    };
    const first = memo.run('k', compute);
    const second = memo.run('k', compute);
    release();
    expect(await first).toEqual({ scores: { a: 1 }, shared: false });
    expect(await second).toEqual({ scores: { a: 1 }, shared: true });
    expect(await memo.run('k', compute)).toEqual({ scores: { a: 1 }, shared: true });
    expect(runs).toBe(1);
  });

  it('shares a failure with its waiters and does not remember it', async () => {
    const memo = new ScoreMemo(10);
    const failing = () => Promise.reject(new Error('model down'));
    const results = await Promise.allSettled([memo.run('k', failing), memo.run('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(memo.peek('k')).toBeUndefined();
    expect(await memo.run('k', async () => ({ a: 2 }))).toEqual({ scores: { a: 2 }, shared: false });
  });

  it('forgets the least recently used entry beyond its size, and nothing at size 0', () => {
    const memo = new ScoreMemo(2);
    memo.remember('a', { x: 1 });
    memo.remember('b', { x: 2 });
    memo.peek('a');
    memo.remember('c', { x: 3 });
    expect([memo.peek('a'), memo.peek('b'), memo.peek('c')]).toEqual([{ x: 1 }, undefined, { x: 3 }]);
    const none = new ScoreMemo(0);
    none.remember('a', { x: 1 });
    expect(none.peek('a')).toBeUndefined();
  });
});
