/**
 * `npm run bench:growth`: how cost grows. Throughput (pins/s) and peak RSS of the worker, and the
 * limit's images/s where it applies, against one variable at a time from a base cell (typical
 * images, image batch 8, 4 partitions, 1 process): image size (small 320x400, typical 1080x1350, 4k
 * 3840x2160 JPEGs), image batch size (IMAGE_MAX_BATCH 1, 4, 8, 16), input partitions (1, 2, 4, 8)
 * and worker processes (1 or 2 in one consumer group, the partitions split between them). Prints one
 * markdown table (for BENCHMARKS.md) and writes every figure to bench/results/growth-<time>.json.
 *
 * Every cell is a cold run (fresh topics, cache namespace and processes; distinct images with a text
 * each, as in the bench's cold scenario) through bench/lib/worker-scenario.ts, with the workers started
 * and their group formed before the pins are produced, so 1 and 2 processes are measured alike;
 * throughput is pins / (last label - the moment the pins were produced). The
 * pin count of a size is what the limit does in `--seconds` x 0.7 (clamped to --min-pins..--max-pins):
 * cells stay short on a fast or a slow machine.
 *
 *   npm run bench:growth -- [--seconds 15] [--sizes small,typical,4k] [--batches 1,4,8,16]
 *                           [--partitions 1,2,4,8] [--processes 1,2] [--limit-seconds 3]
 *                           [--min-pins 48] [--max-pins 1500] [--env KEY=VALUE ...] [--out file.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Cleanups } from '../scripts/lib/cleanups.js';
import { ensureStackStarted } from '../scripts/lib/stack-control.js';
import { uniqueName } from '../test/support/stack-env.js';
import { startImageServer } from '../test/support/image-server.js';
import { makeSizedVariants, type ImageVariant } from './lib/image-variants.js';
import { measureLimit } from './lib/limit.js';
import { ENV_VARIABLES } from '../src/config/env-variables.js';
import { describeMachine, machine } from './lib/machine.js';
import { imagePin } from './lib/pins.js';
import { growthTable, type GrowthCell, type GrowthResults } from './lib/growth-report.js';
import { sleep } from './lib/stats.js';
import { runThroughput } from './lib/worker-scenario.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    sizes: { type: 'string', default: 'small,typical,4k' },
    batches: { type: 'string', default: '1,4,8,16' },
    partitions: { type: 'string', default: '1,2,4,8' },
    processes: { type: 'string', default: '1,2' },
    'limit-seconds': { type: 'string', default: '3' },
    'min-pins': { type: 'string', default: '48' },
    'max-pins': { type: 'string', default: '1500' },
    env: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
  },
});
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const SIZES: Record<string, { width: number; height: number }> = {
  small: { width: 320, height: 400 },
  typical: { width: 1080, height: 1350 },
  '4k': { width: 3840, height: 2160 },
};
const BASE = { size: 'typical', batch: 8, partitions: 4, processes: 1 };
const sizes = list(values.sizes!);
for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (small, typical, 4k)`);
if (!sizes.includes(BASE.size)) sizes.push(BASE.size);
const batches = list(values.batches!).map(Number);
const partitionCounts = list(values.partitions!).map(Number);
const processCounts = list(values.processes!).map(Number);
const root = new URL('..', import.meta.url);
const began = performance.now();
const log = (line: string) =>
  console.log(`[growth ${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const extraEnv = Object.fromEntries(
  values.env!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const model = extraEnv.IMAGE_MODEL ?? 'image-safety@1';
const results: GrowthResults = {
  startedAt: new Date().toISOString(),
  machine: machine(),
  options: { ...values },
  workerEnv: extraEnv,
  cells: [],
  loadAverageAtEnd: [0, 0, 0],
  totalSeconds: 0,
};
log(`machine: ${describeMachine(results.machine)}`);

const limitOf = async (images: readonly ImageVariant[], batch: number) => {
  const limit = await measureLimit({
    modelsDir: 'models',
    model,
    images,
    batches: [batch],
    threads: [Number(extraEnv.ORT_INTRA_OP_THREADS ?? 2)],
    seconds: Number(values['limit-seconds']),
    log,
    allowSpinning: ENV_VARIABLES.ORT_ALLOW_SPINNING.schema.parse(extraEnv.ORT_ALLOW_SPINNING) as boolean,
  });
  return limit.best.imagesPerSecond;
};

const cleanups = new Cleanups(log);
try {
  const stack = ensureStackStarted(root, log);
  cleanups.add('stack', () => stack.stop());
  // Per size: the limit at the base batch on a few images, then enough distinct images for a cell.
  const bySize = new Map<string, { variants: ImageVariant[]; limit: number }>();
  for (const size of sizes) {
    const { width, height } = SIZES[size]!;
    const limit = await limitOf(await makeSizedVariants(16, width, height), BASE.batch);
    const count = Math.round(
      Math.min(
        Number(values['max-pins']),
        Math.max(Number(values['min-pins']), limit * Number(values.seconds) * 0.7),
      ),
    );
    log(`${size} (${width}x${height}): making ${count} distinct JPEGs`);
    bySize.set(size, { variants: await makeSizedVariants(count, width, height), limit });
  }
  const files = Object.fromEntries(
    [...bySize.values()].flatMap(({ variants }) => variants.map((v) => [v.name, v.bytes])),
  );
  const server = await startImageServer({ files });
  cleanups.add('image server', () => server.close());

  const done = new Map<string, GrowthCell>();
  const cell = async (
    variable: GrowthCell['variable'],
    at: { size: string; batch: number; partitions: number; processes: number },
  ): Promise<void> => {
    const key = `${at.size}/${at.batch}/${at.partitions}/${at.processes}`;
    const base = done.get(key);
    if (base) {
      results.cells.push({ ...base, variable });
      return;
    }
    const { variants, limit: baseLimit } = bySize.get(at.size)!;
    const limit =
      at.processes === 1 && at.partitions === BASE.partitions
        ? at.batch === BASE.batch
          ? baseLimit
          : await limitOf(variants.slice(0, 16), at.batch)
        : null;
    const loadAverageAtStart = machine().loadAverage;
    const name = `growth ${variable} ${key}`;
    // A cell runs again (up to 3 times) if it fails (a registry or broker answering late on a busy machine);
    // everything in it is fresh (topics, namespace, processes), so another attempt measures the same.
    const attempt = () =>
      runThroughput(
        {
          root,
          name,
          stages: [
            'decode',
            'cache-lookup',
            'fetch',
            'preprocess',
            'infer',
            'cache-write',
            'policy',
            'encode',
          ],
          partitions: at.partitions,
          env: {
            CACHE_NAMESPACE: uniqueName('bench-growth'),
            IMAGE_MAX_BATCH: String(at.batch),
            ...extraEnv,
          },
          timeoutMs: 300_000,
          log,
          processes: at.processes,
          workersFirst: true,
        },
        () => variants.map((v, i) => imagePin(v, server.url(`/images/${v.name}`), 4_000_000 + i)),
      );
    let run: Awaited<ReturnType<typeof attempt>> | undefined;
    for (let tries = 1; run === undefined; tries++) {
      try {
        run = await attempt();
      } catch (error) {
        if (tries === 3) throw error;
        log(`${name}: failed (${error instanceof Error ? error.message : String(error)}); again in 5 s`);
        await sleep(5000);
      }
    }
    const { metricsText: _metrics, ...figures } = run;
    const result: GrowthCell = {
      variable,
      ...at,
      width: SIZES[at.size]!.width,
      height: SIZES[at.size]!.height,
      meanKiB: variants.reduce((a, v) => a + v.bytes.length, 0) / variants.length / 1024,
      limitImagesPerSecond: limit,
      loadAverageAtStart,
      worker: figures,
    };
    log(
      `${name}: ${(run.pinsPerSecondSinceProduced ?? Number.NaN).toFixed(1)} pins/s from production to the last label (${run.pinsPerSecond.toFixed(1)} first to last label) over ${run.labels} labels, peak RSS ${run.peakRssMiB.toFixed(0)} MiB${run.peakRssMiBEach ? ` (each ${run.peakRssMiBEach.map((x) => x.toFixed(0)).join(' + ')})` : ''}, unscored ${run.unscored}, mean image batch ${run.meanBatch.image.toFixed(1)}${limit === null ? '' : `; limit ${limit.toFixed(1)} images/s`}; load average ${loadAverageAtStart.join(' ')}`,
    );
    done.set(key, result);
    results.cells.push(result);
  };
  for (const size of sizes) await cell('image size', { ...BASE, size });
  for (const batch of batches) await cell('image batch', { ...BASE, batch });
  for (const partitions of partitionCounts) await cell('partitions', { ...BASE, partitions });
  for (const processes of processCounts) await cell('processes', { ...BASE, processes });
} finally {
  await cleanups.run();
}

results.loadAverageAtEnd = machine().loadAverage;
results.totalSeconds = (performance.now() - began) / 1000;
console.log(
  `\n${describeMachine(results.machine)}; load average at the end ${results.loadAverageAtEnd.join(' ')}; ${results.totalSeconds.toFixed(0)} s\n`,
);
console.log(`${growthTable(results)}\n`);
const out = values.out ?? `bench/results/growth-${results.startedAt.replace(/[:.]/g, '-')}.json`;
await mkdir('bench/results', { recursive: true });
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`figures written to ${out}`);
process.exit(0);
