import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamicBatcher, type BatchObservation } from '../../../src/infer/dynamic-batcher.js';
import type { TensorPacker } from '../../../src/infer/tensor-packer.js';
import type { TensorMap } from '../../../src/infer/tensor-data.js';
import { IntegrityError } from '../../../src/errors.js';

/** Rows are numbers; the fake model outputs [x, 2x] per row. */
const packer: TensorPacker<number> = {
  check(row) {
    if (!Number.isFinite(row)) throw new IntegrityError('IW_INPUT_INVALID', 'not a number');
  },
  pack: (rows) => ({ x: { type: 'float32', data: Float32Array.from(rows), dims: [rows.length, 1] } }),
};

type Gate = { feeds: TensorMap; release: () => void; fail: (e: Error) => void };

/** A fake session whose batches finish only when the test releases them. */
function gatedRunner() {
  const calls: Gate[] = [];
  const run = (feeds: TensorMap) =>
    new Promise<TensorMap>((resolve, reject) => {
      const x = feeds['x']!.data as Float32Array;
      const data = new Float32Array(x.length * 2);
      x.forEach((v, i) => data.set([v, 2 * v], 2 * i));
      calls.push({
        feeds,
        release: () => resolve({ p: { type: 'float32', data, dims: [x.length, 2] } }),
        fail: reject,
      });
    });
  return { calls, run, sizes: () => calls.map((c) => c.feeds['x']!.dims[0]) };
}

function make(
  run: (f: TensorMap) => Promise<TensorMap>,
  extra: Partial<ConstructorParameters<typeof DynamicBatcher<number, string>>[0]> = {},
) {
  const observations: BatchObservation<string>[] = [];
  const batcher = new DynamicBatcher<number, string>({
    model: 'fake@1',
    packer,
    run,
    outputName: 'p',
    maxBatchSize: 4,
    maxQueueDelayMs: 10,
    now: () => Date.now(),
    observer: (o) => observations.push(o),
    ...extra,
  });
  return { batcher, observations };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DynamicBatcher', () => {
  it('dispatches a full batch at once and gives each request its own row', async () => {
    const fake = gatedRunner();
    const { batcher, observations } = make(fake.run);
    const results = [1, 2, 3, 4].map((v) => batcher.enqueue(v, `m${v}`));
    expect(fake.sizes()).toEqual([4]);
    fake.calls[0]!.release();
    expect((await Promise.all(results)).map((r) => Array.from(r))).toEqual([
      [1, 2],
      [2, 4],
      [3, 6],
      [4, 8],
    ]);
    expect(observations).toHaveLength(1);
    expect(observations[0]).toMatchObject({ model: 'fake@1', size: 4, contexts: ['m1', 'm2', 'm3', 'm4'] });
  });

  it('dispatches a partial batch when the oldest request has waited maxQueueDelayMs', async () => {
    const fake = gatedRunner();
    const { batcher, observations } = make(fake.run);
    const a = batcher.enqueue(1, 'a');
    await vi.advanceTimersByTimeAsync(6);
    const b = batcher.enqueue(2, 'b');
    await vi.advanceTimersByTimeAsync(3);
    expect(fake.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.sizes()).toEqual([2]);
    fake.calls[0]!.release();
    await Promise.all([a, b]);
    expect(observations[0]!.queueWaitMs).toEqual([10, 4]);
  });

  it('fills the next batch while one computes, up to maxBatchSize', async () => {
    const fake = gatedRunner();
    const { batcher } = make(fake.run, { maxPending: 16 });
    const all = Array.from({ length: 9 }, (_, i) => batcher.enqueue(i, String(i)));
    expect(fake.sizes()).toEqual([4]);
    await vi.advanceTimersByTimeAsync(50);
    expect(fake.sizes()).toEqual([4]);
    fake.calls[0]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.sizes()).toEqual([4, 4]);
    fake.calls[1]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.sizes()).toEqual([4, 4, 1]);
    fake.calls[2]!.release();
    expect(await Promise.all(all)).toHaveLength(9);
  });

  it('rejects every request of a failed batch with IW_INFERENCE_FAILED and keeps serving', async () => {
    const fake = gatedRunner();
    const { batcher, observations } = make(fake.run);
    const failed = [1, 2, 3, 4].map((v) => batcher.enqueue(v, 'x').catch((e: unknown) => e));
    fake.calls[0]!.fail(new Error('ort exploded'));
    for (const e of await Promise.all(failed))
      expect(e).toMatchObject({ code: 'IW_INFERENCE_FAILED', retriable: true });
    expect(observations[0]!.error?.code).toBe('IW_INFERENCE_FAILED');
    const ok = batcher.enqueue(5, 'y');
    await vi.advanceTimersByTimeAsync(10);
    fake.calls[1]!.release();
    expect(Array.from(await ok)).toEqual([5, 10]);
  });

  it('rejects a batch whose output has the wrong number of rows', async () => {
    const run = async (): Promise<TensorMap> => ({
      p: { type: 'float32', data: new Float32Array(2), dims: [1, 2] },
    });
    const { batcher } = make(run);
    const results = [1, 2, 3, 4].map((v) => batcher.enqueue(v, 'x').catch((e: unknown) => e));
    for (const e of await Promise.all(results)) expect(e).toMatchObject({ code: 'IW_INFERENCE_FAILED' });
  });

  it('refuses a bad row at once with IW_INPUT_INVALID, without failing its neighbours', async () => {
    const fake = gatedRunner();
    const { batcher } = make(fake.run);
    await expect(batcher.enqueue(Number.NaN, 'bad')).rejects.toMatchObject({ code: 'IW_INPUT_INVALID' });
    expect(batcher.pending).toBe(0);
  });

  it('an observer that throws breaks nothing', async () => {
    const fake = gatedRunner();
    const { batcher } = make(fake.run, {
      observer: () => {
        throw new Error('metrics down');
      },
    });
    const r = [1, 2, 3, 4].map((v) => batcher.enqueue(v, 'x'));
    fake.calls[0]!.release();
    expect(await Promise.all(r)).toHaveLength(4);
  });

  it('applies backpressure: beyond maxPending, enqueue waits for admission in FIFO order', async () => {
    const fake = gatedRunner();
    const { batcher } = make(fake.run, { maxPending: 4 });
    const first = [1, 2, 3, 4].map((v) => batcher.enqueue(v, 'x'));
    expect(batcher.saturated).toBe(true);
    let admittedLater = false;
    const late = batcher.enqueue(5, 'late').then((r) => ((admittedLater = true), r));
    const later = batcher.enqueue(6, 'later');
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.sizes()).toEqual([4]);
    expect(batcher.pending).toBe(4);
    fake.calls[0]!.release();
    await Promise.all(first);
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.sizes()).toEqual([4, 2]);
    expect(admittedLater).toBe(false);
    fake.calls[1]!.release();
    expect(Array.from(await late)).toEqual([5, 10]);
    expect(Array.from(await later)).toEqual([6, 12]);
    expect(batcher.saturated).toBe(false);
  });

  it('close() runs what is queued without waiting for the delay, then refuses new work', async () => {
    const fake = gatedRunner();
    const { batcher } = make(fake.run, { maxPending: 4, maxQueueDelayMs: 1000 });
    const queued = [1, 2, 3, 4, 5].map((v) => batcher.enqueue(v, 'x'));
    let closed = false;
    const closing = batcher.close().then(() => (closed = true));
    await expect(batcher.enqueue(9, 'after')).rejects.toMatchObject({ code: 'IW_INFERENCE_CLOSED' });
    fake.calls[0]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.sizes()).toEqual([4, 1]);
    expect(closed).toBe(false);
    fake.calls[1]!.release();
    await closing;
    expect(await Promise.all(queued)).toHaveLength(5);
    await batcher.close();
  });

  it('refuses options where maxPending cannot hold one batch', () => {
    expect(() => make(gatedRunner().run, { maxPending: 2 })).toThrow(IntegrityError);
  });
});
