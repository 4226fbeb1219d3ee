// Cost of the embedding signal and the near-duplicate index on this machine:
//  - the embedding output: image-safety@1 with and without its second output, per image (batch 1 and 8)
//  - L2 normalisation and PDQ per image
//  - the index: add cost, memory per vector (RSS and snapshot size, extrapolated to one million),
//    query latency percentiles and recall@1 against exact search.
//   npx tsx bench/embeddings/near-duplicate-cost.ts [--vectors 20000]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convertNsfwjs } from '../../scripts/models/image-safety-build.js';
import { rgbPixels } from '../../scripts/neighbours/transforms.js';
import { NearDuplicateIndex } from '../../src/neighbours/near-duplicate-index.js';
import { pdqHash } from '../../src/neighbours/pdq-hash.js';
import { l2Normalize } from '../../src/neighbours/vector-math.js';
import { latencySummary } from '../lib/stats.js';
import { seededRandom } from '../../test/support/random.js';

const { values } = parseArgs({ options: { vectors: { type: 'string', default: '20000' } } });
const N = Number(values.vectors);
const DIM = 1280;
const out: Record<string, unknown> = {};

// 1. The second output's cost: same inputs, both sessions, alternating to share the machine's noise.
const withEmbedding = await ort.InferenceSession.create(await readFile('models/image-safety/1/model.onnx'), {
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
});
const scoresOnly = await ort.InferenceSession.create((await convertNsfwjs('mobilenet_v2', 'uint8')).bytes, {
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
});
for (const batch of [1, 8]) {
  const x = Float32Array.from({ length: batch * 224 * 224 * 3 }, (_, i) => (i % 251) / 251);
  const feed = () => ({ input: new ort.Tensor('float32', x, [batch, 224, 224, 3]) });
  const times = { with: [] as number[], without: [] as number[] };
  for (let r = 0; r < 3; r++) await Promise.all([withEmbedding.run(feed()), scoresOnly.run(feed())]);
  for (let r = 0; r < 12; r++) {
    for (const [s, t] of [
      [withEmbedding, times.with],
      [scoresOnly, times.without],
    ] as const) {
      const start = performance.now();
      await s.run(feed());
      t.push((performance.now() - start) / batch);
    }
  }
  const med = (a: number[]) => latencySummary(a).p50;
  out[`inferMsPerImage_batch${batch}`] = { withEmbedding: med(times.with), scoresOnly: med(times.without) };
  console.error(JSON.stringify(out));
}
await Promise.all([withEmbedding.release(), scoresOnly.release()]);

// 2. L2 normalisation and PDQ per image.
const v = Float32Array.from({ length: DIM }, (_, i) => Math.sin(i));
let start = performance.now();
for (let i = 0; i < 100_000; i++) l2Normalize(v);
out.l2NormalizeUs = ((performance.now() - start) / 100_000) * 1000;
const photo = await rgbPixels(await readFile('test/fixtures/images/photo-coffee.jpg'));
start = performance.now();
for (let i = 0; i < 20; i++) pdqHash(photo.data, photo.width, photo.height);
out.pdqMsPerImage = { ms: (performance.now() - start) / 20, image: `${photo.width}x${photo.height}` };

// 3. The index at N random unit vectors.
const random = seededRandom(9);
const vectors = Array.from({ length: N }, () => l2Normalize(Float32Array.from({ length: DIM }, random)));
global.gc?.();
const rssBefore = process.memoryUsage().rss;
const index = new NearDuplicateIndex('bench@1', DIM);
start = performance.now();
vectors.forEach((vec, i) =>
  index.upsert({ contentKey: `sha256:${i}`, pinId: `pin-${i}`, decision: 'BLOCK' }, vec),
);
const addMs = performance.now() - start;
const rssAfter = process.memoryUsage().rss;
const dir = mkdtempSync(join(tmpdir(), 'iw-bench-index-'));
await index.snapshot(dir);
const fileBytes = statSync(join(dir, 'index.usearch')).size + statSync(join(dir, 'meta.json')).size;
rmSync(dir, { recursive: true, force: true });
// Queries: near copies of indexed vectors; recall@1 = the copy finds its own vector (exact search agrees).
const queries = Array.from({ length: 2000 }, (_, i) => {
  const target = (i * 7919) % N;
  return { target, q: l2Normalize(vectors[target]!.map((x) => x + 0.01 * random())) };
});
const latency: number[] = [];
let hits = 0;
for (const { target, q } of queries) {
  const t0 = performance.now();
  const m = index.nearest(q)!;
  latency.push(performance.now() - t0);
  if (m.contentKey === `sha256:${target}`) hits++;
}
out.index = {
  vectors: N,
  dimension: DIM,
  addUsPerVector: (addMs / N) * 1000,
  rssBytesPerVector: (rssAfter - rssBefore) / N,
  snapshotBytesPerVector: fileBytes / N,
  rssGiBPerMillion: (((rssAfter - rssBefore) / N) * 1e6) / 2 ** 30,
  snapshotGiBPerMillion: ((fileBytes / N) * 1e6) / 2 ** 30,
  queryMs: latencySummary(latency),
  recallAt1: hits / queries.length,
};
console.log(JSON.stringify(out, null, 2));
