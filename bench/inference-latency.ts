/**
 * Per-image latency of the image model by batch size and intra-op threads, with the main thread's
 * event-loop delay (p99) while batches run, for a session on the main thread and one in a worker
 * thread; a burst through the dynamic batcher; and the cost of copying image rows into a batch
 * buffer. Prints figures, asserts nothing.
 *
 *   npx tsx bench/inference-latency.ts [--models models] [--rounds 12]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DynamicBatcher } from '../src/infer/dynamic-batcher.js';
import { ImageTensorPacker, type ImageRow } from '../src/infer/image-tensor-packer.js';
import { createInProcessSession } from '../src/infer/in-process-session.js';
import { ModelRepository } from '../src/infer/model-repository.js';
import type { SessionFactory } from '../src/infer/session-runner.js';
import { createWorkerSession } from '../src/infer/worker-session.js';

const { values } = parseArgs({
  options: { models: { type: 'string', default: 'models' }, rounds: { type: 'string', default: '12' } },
});
const rounds = Number(values.rounds);
const batches = [1, 4, 8, 16];
const modes: [string, SessionFactory][] = [
  ['main-thread', createInProcessSession],
  ['worker', createWorkerSession],
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

console.log('mode         threads batch  ms/batch(p50)  ms/image(p50)  loop-delay p99 ms  loop-delay max ms');
for (const [mode, createSession] of modes) {
  for (const threads of [1, 2]) {
    const repo = new ModelRepository({
      root: values.models,
      createSession,
      session: { intraOpNumThreads: threads },
    });
    const model = await repo.load('image-safety', '1');
    const packer = new ImageTensorPacker(model.manifest.inputs[0]!);
    for (const n of batches) {
      const rows = Array.from({ length: n }, (_, i) =>
        new Float32Array(packer.rowLength).fill((i + 1) / (n + 1)),
      );
      await model.session.run(packer.pack(rows.map((r) => r.slice())));
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      const times: number[] = [];
      histogram.enable();
      for (let r = 0; r < rounds; r++) {
        const feeds = packer.pack(rows.map((row) => row.slice()));
        const started = performance.now();
        await model.session.run(feeds);
        times.push(performance.now() - started);
      }
      histogram.disable();
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 0.5);
      console.log(
        `${mode.padEnd(12)} ${String(threads).padStart(7)} ${String(n).padStart(5)} ${p50.toFixed(1).padStart(14)} ${(p50 / n).toFixed(2).padStart(14)} ${(histogram.percentile(99) / 1e6).toFixed(1).padStart(18)} ${(histogram.max / 1e6).toFixed(1).padStart(18)}`,
      );
    }
    await model.session.close();
  }
}

// Through the dynamic batcher and a worker session: 64 requests at once, as a consumer burst would.
console.log('\nbatcher (worker, 1 thread)  max-batch  images/s  mean latency ms  loop-delay p99 ms');
{
  const repo = new ModelRepository({ root: values.models, session: { intraOpNumThreads: 1 } });
  const model = await repo.load('image-safety', '1');
  const packer = new ImageTensorPacker(model.manifest.inputs[0]!);
  for (const maxBatchSize of [1, 4, 8, 16]) {
    const batcher = new DynamicBatcher<ImageRow, undefined>({
      model: model.id,
      packer,
      run: (feeds) => model.session.run(feeds),
      outputName: 'probabilities',
      maxBatchSize,
      maxQueueDelayMs: 5,
      maxPending: 64,
    });
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const started = performance.now();
    const latencies = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const t0 = performance.now();
        await batcher.enqueue(new Float32Array(packer.rowLength).fill(i / 64), undefined);
        return performance.now() - t0;
      }),
    );
    const wall = performance.now() - started;
    histogram.disable();
    await batcher.close();
    const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
    console.log(
      `${''.padEnd(27)} ${String(maxBatchSize).padStart(9)} ${((64 / wall) * 1000).toFixed(0).padStart(9)} ${mean.toFixed(0).padStart(16)} ${(histogram.percentile(99) / 1e6).toFixed(1).padStart(18)}`,
    );
  }
  await model.session.close();
}

// The copy the image packer makes: N ready rows into one fresh [N,224,224,3] buffer.
const packer = new ImageTensorPacker({ name: 'input', dtype: 'float32', shape: [-1, 224, 224, 3] });
console.log('\npack (allocate + copy rows)  batch  ms/batch(p50)  ms/image');
for (const n of batches.filter((b) => b > 1)) {
  const rows = Array.from({ length: n }, () => new Float32Array(packer.rowLength).fill(0.5));
  const times: number[] = [];
  for (let r = 0; r < 50; r++) {
    const started = performance.now();
    packer.pack(rows);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 0.5);
  console.log(
    `${''.padEnd(28)} ${String(n).padStart(5)} ${p50.toFixed(2).padStart(14)} ${(p50 / n).toFixed(3).padStart(9)}`,
  );
}
