// The near-duplicate index at up to a million vectors, built as the worker configures it
// (NearDuplicateIndex: usearch HNSW, cosine, M 16, ef_add 128, ef_search 64) for each scalar kind.
// Per step (cumulative sizes): RSS and snapshot bytes per vector, build rate (usearch's
// multi-threaded add through NearDuplicateIndex.upsertMany), single-query nearest() latency,
// recall@1 against exact float32 brute force on a sample, snapshot write and restore time.
//   npm run bench:index-million -- [--steps 100000,250000,500000,1000000] [--scalars f32,f16,i8]
//     [--queries 2000] [--recall-sample 200] [--threads 0]
// Vectors: mixtures of 3 real image-safety@1 embeddings (the evaluation photos and their edited
// copies, bench/embeddings/served-embeddings.ts) with random weights, then per-component
// multiplicative noise, ReLU and L2 normalisation: non-negative and unit-norm like the served ones.
// A query is half "near copies" (an indexed vector with milder noise again: an edited copy) and half
// fresh vectors (most pins are no duplicate). Each scalar kind runs in a child process of its own
// (a fresh RSS); vector i is a pure function of i, so every child indexes the same vectors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import usearch, { type BatchMatches } from 'usearch';
import {
  INDEX_SCALARS,
  NearDuplicateIndex,
  type IndexScalar,
} from '../../src/neighbours/near-duplicate-index.js';
import { seededRandom } from '../../test/support/random.js';
import { latencySummary } from '../lib/stats.js';
import { servedEmbeddings } from './served-embeddings.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '100000,250000,500000,1000000' },
    scalars: { type: 'string', default: INDEX_SCALARS.join(',') },
    queries: { type: 'string', default: '2000' },
    'recall-sample': { type: 'string', default: '200' },
    threads: { type: 'string', default: '0' },
    child: { type: 'string' },
  },
});
const steps = values.steps.split(',').map(Number);
const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

if (values.child === undefined) {
  const scalars = values.scalars.split(',') as IndexScalar[];
  const base = await servedEmbeddings(log); // embeds once (cached) before the children read it
  const results = [];
  for (const scalar of scalars) {
    log(`${scalar}: building to ${steps.at(-1)} vectors`);
    const args = ['--expose-gc', '--import', 'tsx', process.argv[1]!, '--child', scalar];
    for (const k of ['steps', 'queries', 'recall-sample', 'threads'] as const) args.push(`--${k}`, values[k]);
    const out = execFileSync(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 26,
    });
    results.push(...(JSON.parse(out.toString()) as unknown[]));
  }
  console.log(JSON.stringify({ baseVectors: base.photos.length + base.copies.length, results }, null, 2));
  process.exit(0);
}

const scalar = values.child as IndexScalar;
const threads = Number(values.threads);
const { photos, copies } = await servedEmbeddings();
const bases = [...photos.map((p) => p.vector), ...copies.map((c) => c.vector)];
const DIM = bases[0]!.length;

/** Vector `i` into `out` (DIM floats): a pure function of i (and `copy`, the near-copy noise). */
function vectorAt(i: number, out: Float32Array, copy = 0): Float32Array {
  const r = seededRandom(0x9e3779b1 ^ Math.imul(i + 1, 0x85ebca6b));
  const picks = [0, 1, 2].map(() => ({
    v: bases[Math.floor((r() + 0.5) * bases.length)]!,
    w: (r() + 0.5) ** 2,
  }));
  out.fill(0);
  for (const { v, w } of picks) for (let j = 0; j < DIM; j++) out[j]! += w * v[j]!;
  const c = copy === 0 ? undefined : seededRandom(copy);
  let sum = 0;
  for (let j = 0; j < DIM; j++) {
    let x = out[j]! * (1 + 1.6 * r());
    if (c) x *= 1 + 0.5 * c();
    x = Math.max(0, x);
    out[j] = x;
    sum += x * x;
  }
  const inv = 1 / Math.sqrt(sum);
  for (let j = 0; j < DIM; j++) out[j]! *= inv;
  return out;
}
const FRESH = 2 ** 40; // fresh vectors: indices never indexed
const queryAt = (k: number, n: number, salt: number) => {
  const q = new Float32Array(DIM);
  return k % 2 === 0
    ? { q: vectorAt(Math.floor(((k * 2654435761 + salt) >>> 0) % n), q, k + 1 + salt), near: true }
    : { q: vectorAt(FRESH + k + salt, q), near: false };
};

// The recall sample: fixed queries (near copies of vectors of the first step), exact nearest tracked
// as chunks are added.
const R = Number(values['recall-sample']);
const sample = Array.from({ length: R }, (_, k) => queryAt(k, steps[0]!, 7));
const sampleMatrix = new Float32Array(R * DIM);
sample.forEach((s, k) => sampleMatrix.set(s.q, k * DIM));
const exact = sample.map(() => ({ key: -1, distance: Infinity }));

const content = (i: number) => ({
  contentKey: `sha256:${i.toString(16).padStart(64, '0')}`,
  pinId: `${1e15 + i}`,
  decision: 'BLOCK' as const,
});
global.gc?.();
const rss0 = process.memoryUsage().rss;
const index = new NearDuplicateIndex('image-safety@1', DIM, scalar);
const CHUNK = 10_000;
const chunk = new Float32Array(CHUNK * DIM);
const rows = [];
let n = 0;
let buildMs = 0;
for (const step of steps) {
  let stepMs = 0;
  const from = n;
  while (n < step) {
    const m = Math.min(CHUNK, step - n);
    const contents = [];
    for (let k = 0; k < m; k++) {
      vectorAt(n + k, chunk.subarray(k * DIM, (k + 1) * DIM));
      contents.push(content(n + k));
    }
    const vectors = chunk.subarray(0, m * DIM);
    const t0 = performance.now();
    index.upsertMany(contents, vectors, threads);
    stepMs += performance.now() - t0;
    const found = usearch.exactSearch(
      vectors,
      sampleMatrix,
      DIM,
      1,
      usearch.MetricKind.Cos,
      threads,
    ) as BatchMatches;
    for (let k = 0; k < R; k++) {
      const hit = found.get(k);
      const d = hit.distances[0]!;
      if (d < exact[k]!.distance) exact[k] = { key: n + Number(hit.keys[0]!), distance: d };
    }
    n += m;
    if (n % 100_000 === 0) log(`${scalar}: ${n} vectors`);
  }
  buildMs += stepMs;
  global.gc?.();
  const rss = process.memoryUsage().rss - rss0;
  // Latency: one nearest() at a time, as the worker asks.
  const Q = Number(values.queries);
  const queries = Array.from({ length: Q }, (_, k) => queryAt(k, n, step));
  const latency: number[] = [];
  const nearDistances: number[] = [];
  const freshDistances: number[] = [];
  for (const { q, near } of queries) {
    const t0 = performance.now();
    const m = index.nearest(q)!;
    latency.push(performance.now() - t0);
    (near ? nearDistances : freshDistances).push(m.distance);
  }
  let hits = 0;
  let nearHits = 0;
  sample.forEach((s, k) => {
    const m = index.nearest(s.q)!;
    if (m.contentKey === content(exact[k]!.key).contentKey) hits++;
    if (s.near && m.contentKey === content(exact[k]!.key).contentKey) nearHits++;
  });
  const dir = mkdtempSync(join(tmpdir(), 'iw-bench-million-'));
  let t0 = performance.now();
  await index.snapshot(dir);
  const writeMs = performance.now() - t0;
  const bytes = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  t0 = performance.now();
  let restored: NearDuplicateIndex | undefined = await NearDuplicateIndex.restore(
    dir,
    'image-safety@1',
    DIM,
    scalar,
  );
  const loadMs = performance.now() - t0;
  const restoredOk =
    restored.size === n &&
    restored.nearest(sample[0]!.q)!.contentKey === index.nearest(sample[0]!.q)!.contentKey;
  restored = undefined;
  rmSync(dir, { recursive: true, force: true });
  global.gc?.();
  const med = (a: number[]) => latencySummary(a).p50;
  rows.push({
    scalar,
    vectors: n,
    rssBytesPerVector: Math.round(rss / n),
    rssGiB: rss / 2 ** 30,
    snapshotBytesPerVector: Math.round(bytes / n),
    snapshotGiB: bytes / 2 ** 30,
    buildVectorsPerS: Math.round(((n - from) / stepMs) * 1000),
    buildTotalS: buildMs / 1000,
    queryMs: latencySummary(latency),
    recallAt1: hits / R,
    recallAt1NearCopies: nearHits / sample.filter((s) => s.near).length,
    medianDistance: { nearCopyToNearest: med(nearDistances), freshToNearest: med(freshDistances) },
    snapshotWriteS: writeMs / 1000,
    snapshotLoadS: loadMs / 1000,
    restoredOk,
    loadAverage: execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' '),
  });
  log(JSON.stringify(rows.at(-1)));
}
console.log(JSON.stringify(rows));
