// What ORB verification costs `image.near_duplicate` per pin, through the served plug-in (index
// search, stored features, the ORB thread), on photos from test/fixtures/images:
//  - none:        NEAR_DUPLICATE_VERIFIER=none (the nearest within the strict distance)
//  - orb, no candidate:  nothing indexed within the loose distance (costs the K-nearest search only)
//  - orb, 1 candidate verified:  a cropped copy of an indexed photo (query extraction + 1 verification)
//  - orb, 3 candidates rejected: a photo whose 3 candidates are other photos (extraction + 3 verifications)
//  - indexing: the features of one REVIEW/BLOCK image (extraction + encode), as the flagging worker pays
// CPU is the process's (every thread: the ORB thread included) per pin; wall is per pin, one pin at a
// time; the main thread's active time per pin (event-loop utilization) shows what stays on it. Stored features are in
// memory here (the worker reads them from Redis: one GET of ~20 kB per candidate, not measured here).
//   npx tsx bench/embeddings/near-duplicate-verification-cost.ts [--index 3000] [--pins 12]
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { Scorer } from '../../src/infer/scorer.js';
import { NearDuplicateIndex } from '../../src/neighbours/near-duplicate-index.js';
import {
  encodeOrbFeatures,
  orbFeatureStoreOf,
  SERVED_VERIFICATION_RULE,
} from '../../src/neighbours/near-duplicate-verification.js';
import { NearDuplicateVerifier } from '../../src/neighbours/near-duplicate-verifier.js';
import { OrbFeatureIndexer } from '../../src/neighbours/orb-feature-indexer.js';
import { OrbThread } from '../../src/neighbours/orb-thread.js';
import { l2Normalize } from '../../src/neighbours/vector-math.js';
import { parseSignalDeclaration } from '../../src/scores.js';
import { imageNearDuplicate } from '../../src/signals/image-near-duplicate.js';
import type { DerivedSignal, NearDuplicateSearch } from '../../src/signals/signal.js';
import { seededRandom } from '../../test/support/random.js';

const { values } = parseArgs({
  options: { index: { type: 'string', default: '3000' }, pins: { type: 'string', default: '12' } },
});
const N = Number(values.index);
const PINS = Number(values.pins);
const DIM = 1280;
const STRICT = SERVED_VERIFICATION_RULE.strictDistance;
const random = seededRandom(15);
const randomUnit = () => l2Normalize(Float32Array.from({ length: DIM }, () => random() - 0.5));
/** A unit vector at cosine distance `d` from `base`, towards a random direction. */
function at(base: Float32Array, d: number): Float32Array {
  const r = randomUnit();
  let dot = 0;
  for (let i = 0; i < DIM; i++) dot += r[i]! * base[i]!;
  const orth = l2Normalize(r.map((x, i) => x - dot * base[i]!));
  const c = 1 - d;
  const s = Math.sqrt(1 - c * c);
  return base.map((x, i) => c * x + s * orth[i]!);
}

const photo = (name: string) => readFile(`test/fixtures/images/${name}`);
const chelsea = await photo('photo-chelsea.jpg');
const { width, height } = await sharp(chelsea).metadata();
const [cw, ch] = [Math.round(width! * 0.8), Math.round(height! * 0.8)];
const cropped = await sharp(chelsea)
  .extract({ left: 0, top: 0, width: cw, height: ch })
  .resize({ width: Math.round(cw * 0.75) })
  .jpeg({ quality: 70 })
  .toBuffer();
const others = await Promise.all(['photo-coffee.jpg', 'photo-astronaut.jpg', 'photo-rocket.jpg'].map(photo));

const thread = new OrbThread({
  longerSidePx: SERVED_VERIFICATION_RULE.longerSidePx,
  maxPixels: 50e6,
  maxQueue: 32,
});
const stored = new Map<string, Uint8Array>();
const bytesStore = {
  get: async (k: string) => stored.get(k),
  has: async (k: string) => stored.has(k),
  set: async (k: string, b: Uint8Array) => void stored.set(k, b),
};
const indexer = new OrbFeatureIndexer(thread, bytesStore);
await thread.index(chelsea); // start the thread and load OpenCV.js outside the timings

const index = new NearDuplicateIndex('image-safety@1', DIM, 'f16');
for (let i = 0; i < N; i++)
  index.upsert({ contentKey: `k${i}`, pinId: `p${i}`, decision: 'BLOCK' }, randomUnit());
const query = randomUnit();
const indexedAt = (key: string, d: number) =>
  index.upsert({ contentKey: key, pinId: key, decision: 'BLOCK' }, at(query, d));

const verifier = new NearDuplicateVerifier({
  rule: SERVED_VERIFICATION_RULE,
  store: orbFeatureStoreOf(bytesStore),
  extractor: thread,
});
const signalOf = (search: NearDuplicateSearch) => {
  const scorer = { classes: [], embedding: { output: 'embedding', dimension: DIM, normalized: true } };
  return imageNearDuplicate.create(parseSignalDeclaration('image.near_duplicate=image-safety@1'), {
    scorer: () => scorer as unknown as Scorer,
    decodedImages: { run: (_v, work) => work() },
    nearDuplicates: () => search,
  }) as DerivedSignal;
};
const plain = signalOf({ index, maxDistance: STRICT });
const verified = signalOf({
  index,
  maxDistance: STRICT,
  verification: {
    verifier,
    candidates: SERVED_VERIFICATION_RULE.candidates,
    looseDistance: SERVED_VERIFICATION_RULE.looseDistance,
  },
});

async function measure(name: string, pins: number, once: () => Promise<unknown>) {
  await once();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < pins; i++) await once();
  const wall = (performance.now() - started) / pins;
  const used = process.cpuUsage(cpu);
  const loop = performance.eventLoopUtilization(elu);
  return {
    case: name,
    pins,
    cpuMsPerPin: +((used.user + used.system) / 1000 / pins).toFixed(2),
    wallMsPerPin: +wall.toFixed(2),
    mainThreadActiveMsPerPin: +(loop.active / pins).toFixed(2),
  };
}

const context = (bytes: Uint8Array) => ({ verificationImage: async () => bytes });
const rows = [];
const load = [loadavg()[0]!.toFixed(1)];
rows.push(await measure('none (strict embedding only)', PINS * 20, () => plain.derive(query)));
rows.push(
  await measure('orb, no candidate within the loose distance', PINS * 20, () =>
    verified.derive(query, undefined, context(cropped)),
  ),
);
// The copy's original, indexed beyond the strict distance with its stored features: verified first.
indexedAt('original', 0.16);
stored.set('original', encodeOrbFeatures(await thread.index(chelsea)));
rows.push(
  await measure('orb, 1 candidate, verified (cropped copy)', PINS, async () => {
    const { match } = await verified.derive(query, undefined, context(cropped));
    if (match?.contentKey !== 'original') throw new Error('the copy was not verified');
  }),
);
// Three other photos nearer than the original: each verified and rejected (the worst case at K = 3).
for (const [i, d] of [0.2, 0.3, 0.4].entries()) {
  indexedAt(`other${i}`, d);
  stored.set(`other${i}`, encodeOrbFeatures(await thread.index(others[i]!)));
}
index.upsert({ contentKey: 'original', pinId: 'original', decision: 'BLOCK' }, at(query, 0.5)); // re-decided only
stored.delete('original');
rows.push(
  await measure('orb, 3 candidates, all rejected', PINS, async () => {
    const { match } = await verified.derive(query, undefined, context(cropped));
    if (match !== null) throw new Error('a distinct photo was matched');
  }),
);
let n = 0;
rows.push(
  await measure('indexing one REVIEW/BLOCK image (extract + encode)', PINS, () =>
    indexer.index(`fresh${n++}`, async () => chelsea),
  ),
);
load.push(loadavg()[0]!.toFixed(1));
await thread.close();
console.log(JSON.stringify({ indexSize: index.size, loadAverage1m: load.join(' -> '), rows }, null, 2));
