import { describe, expect, it } from 'vitest';
import { WeightedBudget, type Lease } from '../../src/weighted-budget.js';

const settled = async <T>(p: Promise<T>): Promise<'pending' | 'done' | 'failed'> => {
  let state: 'pending' | 'done' | 'failed' = 'pending';
  p.then(
    () => (state = 'done'),
    () => (state = 'failed'),
  );
  await new Promise((r) => setTimeout(r, 0));
  return state;
};

describe('WeightedBudget', () => {
  it('grants while the weight fits, queues the rest in order, and releases once', async () => {
    const budget = new WeightedBudget(10);
    const a = await budget.acquire(6);
    const b = budget.acquire(5);
    const c = budget.acquire(1);
    expect(await settled(b)).toBe('pending');
    // FIFO: the small request waits behind the big one rather than starving it.
    expect(await settled(c)).toBe('pending');
    expect(budget.waiting).toBe(2);
    a.release();
    a.release();
    expect(await settled(b)).toBe('done');
    expect(await settled(c)).toBe('done');
    expect(budget.inUse).toBe(6);
  });

  it('clamps a weight above the capacity, so that it runs alone instead of never', async () => {
    const budget = new WeightedBudget(10);
    const small = await budget.acquire(1);
    const huge = budget.acquire(1_000);
    expect(await settled(huge)).toBe('pending');
    small.release();
    expect((await huge).weight).toBe(10);
    expect(budget.inUse).toBe(10);
  });

  it('takes a waiter out of the queue when its signal aborts', async () => {
    const budget = new WeightedBudget(4);
    const held = await budget.acquire(4);
    const controller = new AbortController();
    const aborted = budget.acquire(2, controller.signal);
    const next = budget.acquire(4);
    controller.abort(new Error('deadline'));
    await expect(aborted).rejects.toThrow('deadline');
    held.release();
    expect(await settled(next)).toBe('done');
    expect(budget.inUse).toBe(4);
    await expect(budget.acquire(1, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('lets the oldest lease grow past the capacity, so that growing leases never wait on each other', async () => {
    const budget = new WeightedBudget(10);
    const first = await budget.acquire(5);
    const second = await budget.acquire(5);
    // Both are mid-stream and need more: without the rule, each would wait for the other forever.
    const secondGrows = second.grow(3);
    await first.grow(4);
    expect(budget.inUse).toBe(14);
    expect(await settled(secondGrows)).toBe('pending');
    first.release();
    // second is now the oldest: its growth is granted even though 8 + 0 fits anyway.
    expect(await settled(secondGrows)).toBe('done');
    expect(second.weight).toBe(8);
    expect(budget.inUse).toBe(8);
  });

  it('serves growth before new leases, and a grower that becomes the oldest goes first', async () => {
    const budget = new WeightedBudget(10);
    const a = await budget.acquire(4);
    const b = await budget.acquire(4);
    const c = await budget.acquire(2);
    const newcomer = budget.acquire(3);
    const cGrows = c.grow(3);
    const bGrows = b.grow(5);
    a.release();
    // b became the oldest: it grows at once (to 9, past the room); c and the newcomer keep waiting.
    expect(await settled(bGrows)).toBe('done');
    expect(await settled(cGrows)).toBe('pending');
    expect(await settled(newcomer)).toBe('pending');
    b.release();
    expect(await settled(cGrows)).toBe('done');
    expect(await settled(newcomer)).toBe('done');
    expect(budget.inUse).toBe(8);
  });

  it('fails a pending growth when its lease is released, and never leaks its weight', async () => {
    const budget = new WeightedBudget(10);
    const a = await budget.acquire(8);
    const b: Lease = await budget.acquire(2);
    const growing = b.grow(5);
    b.release();
    await expect(growing).rejects.toThrow();
    a.release();
    expect(budget.inUse).toBe(0);
    await expect(b.grow(1)).rejects.toThrow();
  });

  it('refuses a capacity that is not positive', () => {
    expect(() => new WeightedBudget(0)).toThrow(RangeError);
  });
});
