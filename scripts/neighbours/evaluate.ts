/**
 * Near-duplicate evaluation: every fixture photo and every extra benign photo (sample data of PyPI
 * wheels: scripts/neighbours/fetch-eval-photos.sh and fetch-more-eval-photos.sh) is indexed; 15 edited copies of
 * each are the queries. For each method (the embeddings of image-safety@1 and @2, and PDQ) it reports
 * recall@1 (the nearest indexed photo is the original), and at a threshold chosen on the fixture
 * photos alone (the largest distance with no false match among them), the recall and the false
 * matches on the held-out extra photos: edited copies matched to another photo, and pairs of distinct
 * photos within the threshold. Writes models/image-safety/1/NEAR-DUPLICATES.md and a JSON beside it.
 *   npx tsx scripts/neighbours/evaluate.ts
 * The edits start from a transparent photo flattened onto white, as the worker's decode shows it.
 * Two-stage rules (a loose candidate stage, then a verification signal) are computed from the same
 * distances (scripts/neighbours/two-stage.ts). `--distances FILE` keeps every method's distances in
 * FILE (read if it exists, written if not), so the rules can be re-derived without embedding again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cosineDistance } from '../../src/neighbours/vector-math.js';
import { hammingDistance, pdqHash } from '../../src/neighbours/pdq-hash.js';
import { imageEmbedders } from './image-embedders.js';
import { rgbPixels, TRANSFORMS } from './transforms.js';
import { orbEvaluation, orbMarkdown } from './orb-verification.js';
import { twoStageMarkdown, twoStageRules, type MethodDistances } from './two-stage.js';

// --orb-only: the served embedding and the ORB rules alone, printed (the report files are not written).
const orbOnly = process.argv.includes('--orb-only');
const distancesAt = process.argv.indexOf('--distances');
const distancesFile = distancesAt > 0 ? process.argv[distancesAt + 1] : undefined;
const cached: MethodDistances[] | undefined =
  distancesFile !== undefined && existsSync(distancesFile)
    ? (JSON.parse(readFileSync(distancesFile, 'utf8')) as MethodDistances[])
    : undefined;

interface Photo {
  name: string;
  set: 'fixture' | 'extra';
  bytes: Uint8Array;
}
interface Evaluation {
  queries: number;
  recallAt1: number;
  recallAtThreshold: number;
  falseMatchQueries: number;
  distinctPairs: number;
  falseMatchPairs: number;
  closestDistinctPairs: string[];
}
interface Result {
  method: string;
  unit: string;
  msPerImage: number;
  threshold: number;
  calibration: Evaluation;
  heldOut: Evaluation;
  all: Evaluation;
  standardThreshold?: number;
  atStandard?: Evaluation;
  perTransform: Record<string, { recallAtThreshold: number; maxOwn: number }>;
}
type Method = {
  name: string;
  unit: string;
  features: (bytes: Uint8Array) => Promise<unknown>;
  distance: (a: never, b: never) => number;
  standard?: number;
};

const fixtures = 'test/fixtures/images';
const extraDirs = ['fetch-eval-photos.sh', 'fetch-more-eval-photos.sh'].map((script) =>
  execFileSync('bash', [`scripts/neighbours/${script}`])
    .toString()
    .trim(),
);
const photos: Photo[] = [
  ...readdirSync(fixtures)
    .filter((f) => f.startsWith('photo-'))
    .sort()
    .map((name) => ({ name, set: 'fixture' as const, bytes: readFileSync(path.join(fixtures, name)) })),
  ...extraDirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => /\.(png|jpg)$/.test(f))
      .sort()
      .map((name) => ({ name, set: 'extra' as const, bytes: readFileSync(path.join(dir, name)) })),
  ),
];
const transformNames = Object.keys(TRANSFORMS);
console.log(
  `${photos.length} photos (${photos.filter((p) => p.set === 'fixture').length} fixtures), ${transformNames.length} edits each`,
);
const queries: { photo: number; transform: string; bytes: Uint8Array }[] = [];
for (const [i, p] of photos.entries())
  for (const t of transformNames)
    queries.push({
      photo: i,
      transform: t,
      bytes: await TRANSFORMS[t]!(p.bytes),
    });

const embedders = cached
  ? []
  : await imageEmbedders(photos.filter((p) => p.set === 'fixture').map((p) => p.bytes));
if (orbOnly) await Promise.all(embedders.splice(1).map((e) => e.close()));
const computedMethods = (): Method[] => [
  ...embedders.map((e) => ({
    name: e.name,
    unit: 'cosine distance',
    features: (b: Uint8Array) => e.embed(b),
    distance: cosineDistance as (a: never, b: never) => number,
  })),
  {
    name: 'PDQ (256 bits)',
    unit: 'Hamming distance',
    features: async (b: Uint8Array) => {
      const px = await rgbPixels(b);
      return pdqHash(px.data, px.width, px.height).bits;
    },
    distance: hammingDistance as (a: never, b: never) => number,
    standard: 31,
  },
  {
    // The hash of the mirrored image too; two photos are as close as their closest orientation pair.
    name: 'PDQ flip-invariant (256 bits, and of the mirror)',
    unit: 'Hamming distance',
    features: async (b: Uint8Array) => {
      const px = await rgbPixels(b);
      return [pdqHash(px.data, px.width, px.height).bits, pdqHash(mirrored(px), px.width, px.height).bits];
    },
    distance: ((a: Uint8Array[], b: Uint8Array[]) =>
      Math.min(
        hammingDistance(a[0]!, b[0]!),
        hammingDistance(a[1]!, b[0]!),
        hammingDistance(a[0]!, b[1]!),
      )) as (a: never, b: never) => number,
    standard: 31,
  },
];

// With --distances FILE read back, the methods are only their names (their distances are in FILE).
const methods: Method[] = cached
  ? cached.map((c) => ({
      name: c.method,
      unit: c.unit,
      features: () => Promise.resolve(undefined),
      distance: () => 0,
      ...(c.unit === 'Hamming distance' && { standard: 31 }),
    }))
  : computedMethods().slice(0, orbOnly ? 1 : undefined);

/** RGB pixels flipped left to right. */
function mirrored(px: { data: Uint8Array; width: number; height: number }): Uint8Array {
  const out = new Uint8Array(px.data.length);
  for (let y = 0; y < px.height; y++)
    for (let x = 0; x < px.width; x++) {
      const from = (y * px.width + x) * 3;
      const to = (y * px.width + (px.width - 1 - x)) * 3;
      out[to] = px.data[from]!;
      out[to + 1] = px.data[from + 1]!;
      out[to + 2] = px.data[from + 2]!;
    }
  return out;
}

const results: Result[] = [];
type Row = { photo: number; transform: string; set: 'fixture' | 'extra'; own: number; wrong: number };
const rowsOf: Row[][] = [];
const allDistances: MethodDistances[] = [];
async function distancesOf(m: Method): Promise<MethodDistances> {
  const started = performance.now();
  const index = await Promise.all(photos.map((p) => m.features(p.bytes)));
  const qf: unknown[] = [];
  for (const q of queries) qf.push(await m.features(q.bytes));
  const msPerImage = (performance.now() - started) / (photos.length + queries.length);
  const d = (a: unknown, b: unknown) => m.distance(a as never, b as never);
  return {
    method: m.name,
    unit: m.unit,
    msPerImage,
    queryToPhoto: qf.map((f) => index.map((g) => d(f, g))),
    photoToPhoto: index.map((f) => index.map((g) => d(f, g))),
  };
}
for (const [at, m] of methods.entries()) {
  const md = cached ? cached[at]! : await distancesOf(m);
  allDistances.push(md);
  const msPerImage = md.msPerImage;
  // Per query: distance to its original, and the nearest other photo.
  const rows = queries.map((q, k) => {
    let wrong = Infinity;
    for (let j = 0; j < photos.length; j++)
      if (j !== q.photo) wrong = Math.min(wrong, md.queryToPhoto[k]![j]!);
    return { ...q, set: photos[q.photo]!.set, own: md.queryToPhoto[k]![q.photo]!, wrong };
  });
  rowsOf.push(rows.map(({ photo, transform, set, own, wrong }) => ({ photo, transform, set, own, wrong })));
  const pairs: { a: number; b: number; d: number }[] = [];
  for (let a = 0; a < photos.length; a++)
    for (let b = a + 1; b < photos.length; b++) pairs.push({ a, b, d: md.photoToPhoto[a]![b]! });
  const isFixture = (i: number) => photos[i]!.set === 'fixture';
  // Threshold from the fixture photos only: just under their nearest wrong distance.
  const calibrationWrong = Math.min(
    ...rows.filter((r) => r.set === 'fixture').map((r) => r.wrong),
    ...pairs.filter((p) => isFixture(p.a) && isFixture(p.b)).map((p) => p.d),
  );
  const threshold = m.unit === 'Hamming distance' ? calibrationWrong - 1 : calibrationWrong * 0.999;
  const evaluate = (t: number, set: 'fixture' | 'extra' | 'all'): Evaluation => {
    const rs = rows.filter((r) => set === 'all' || r.set === set);
    const ps = pairs.filter(
      (p) =>
        set === 'all' ||
        (set === 'fixture' ? isFixture(p.a) && isFixture(p.b) : !isFixture(p.a) || !isFixture(p.b)),
    );
    return {
      queries: rs.length,
      recallAt1: rs.filter((r) => r.own < r.wrong).length / rs.length,
      recallAtThreshold: rs.filter((r) => r.own <= t && r.own < r.wrong).length / rs.length,
      falseMatchQueries: rs.filter((r) => r.wrong <= t).length,
      distinctPairs: ps.length,
      falseMatchPairs: ps.filter((p) => p.d <= t).length,
      closestDistinctPairs: ps
        .sort((x, y) => x.d - y.d)
        .slice(0, 3)
        .map(
          (p) =>
            `${photos[p.a]!.name} ~ ${photos[p.b]!.name}: ${p.d.toFixed(m.unit === 'Hamming distance' ? 0 : 4)}`,
        ),
    };
  };
  const perTransform = Object.fromEntries(
    transformNames.map((t) => {
      const rs = rows.filter((r) => r.transform === t);
      return [
        t,
        {
          recallAtThreshold: rs.filter((r) => r.own <= threshold && r.own < r.wrong).length / rs.length,
          maxOwn: Math.max(...rs.map((r) => r.own)),
        },
      ];
    }),
  );
  const result: Result = {
    method: m.name,
    unit: m.unit,
    msPerImage,
    threshold,
    calibration: evaluate(threshold, 'fixture'),
    heldOut: evaluate(threshold, 'extra'),
    all: evaluate(threshold, 'all'),
    ...(m.standard !== undefined && {
      standardThreshold: m.standard,
      atStandard: evaluate(m.standard, 'all'),
    }),
    perTransform,
  };
  results.push(result);
  console.log(
    JSON.stringify({
      method: m.name,
      threshold,
      heldOut: result.heldOut,
      all: { ...result.all, closestDistinctPairs: undefined },
    }),
  );
}
await Promise.all(embedders.map((e) => e.close()));
if (distancesFile !== undefined && !cached) writeFileSync(distancesFile, JSON.stringify(allDistances));

// Two stages: PDQ at the industry rule first (exchangeable, cheap), then an embedding at its threshold.
const pdqMethods = methods.flatMap((m, at) => (m.standard === undefined ? [] : [at]));
const embeddingAts = methods.flatMap((m, at) => (m.standard === undefined ? [at] : []));
const combined = pdqMethods.flatMap((pdqAt) =>
  embeddingAts.map((k) => {
    const e = methods[k]!;
    const pdq = rowsOf[pdqAt]!;
    const emb = rowsOf[k]!;
    const t = results[k]!.threshold;
    const stat = (set: 'extra' | 'all') => {
      const idx = pdq.map((_, i) => i).filter((i) => set === 'all' || pdq[i]!.set === set);
      const hit = (i: number) =>
        (pdq[i]!.own <= 31 && pdq[i]!.own < pdq[i]!.wrong) ||
        (emb[i]!.own <= t && emb[i]!.own < emb[i]!.wrong);
      const falseMatch = (i: number) => pdq[i]!.wrong <= 31 || emb[i]!.wrong <= t;
      return {
        queries: idx.length,
        recall: idx.filter(hit).length / idx.length,
        falseMatchQueries: idx.filter(falseMatch).length,
      };
    };
    const perTransform = Object.fromEntries(
      transformNames.map((tr) => {
        const idx = pdq.map((_, i) => i).filter((i) => pdq[i]!.transform === tr);
        const hit = (i: number) =>
          (pdq[i]!.own <= 31 && pdq[i]!.own < pdq[i]!.wrong) ||
          (emb[i]!.own <= t && emb[i]!.own < emb[i]!.wrong);
        return [tr, idx.filter(hit).length / idx.length];
      }),
    );
    return {
      method: `${methods[pdqAt]!.name.replace(/ \(.*/, '')} <= 31, then ${e.name} <= ${t.toFixed(4)}`,
      heldOut: stat('extra'),
      all: stat('all'),
      perTransform,
    };
  }),
);
console.log(JSON.stringify(combined.map(({ perTransform: _, ...c }) => c)));
const twoStage = twoStageRules(
  allDistances,
  queries.map((q) => ({ photo: q.photo, transform: q.transform })),
  photos.map((p) => p.set),
);
console.log(JSON.stringify(twoStage.map(({ perTransform: _, ...r }) => r)));
// Local features: the served embedding (the first method) proposes, ORB + RANSAC verifies.
const orb = await orbEvaluation(photos, queries, allDistances[0]!, results[0]!.threshold, transformNames);
console.log(
  JSON.stringify({ ...orb, rules: orb.rules.map(({ perTransform: _, ...r }) => r), chosen: orb.chosen.rule }),
);
if (orbOnly) {
  console.log(orbMarkdown(orb, transformNames).join('\n'));
  process.exit(0);
}

const meetsAim = [
  ...results
    .filter(
      (r) =>
        r.heldOut.recallAtThreshold >= 0.95 &&
        r.heldOut.falseMatchQueries === 0 &&
        r.heldOut.falseMatchPairs === 0,
    )
    .map((r) => r.method),
  ...combined
    .filter((c) => c.heldOut.recall >= 0.95 && c.heldOut.falseMatchQueries === 0)
    .map((c) => c.method),
  ...twoStage
    .filter(
      (r) => r.heldOut.recall >= 0.95 && r.heldOut.falseMatchQueries === 0 && r.heldOut.falseMatchPairs === 0,
    )
    .map((r) => r.rule),
  ...[orb.chosen]
    .filter(
      (r) =>
        r.heldOut.recall >= 0.95 &&
        r.heldOut.falseMatchQueries === 0 &&
        r.heldOut.rulePairs === 0 &&
        r.heldOut.verifiedPairs === 0,
    )
    .map((r) => r.rule),
];
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fmt = (r: Result, t: number) => (r.unit === 'Hamming distance' ? String(t) : t.toFixed(4));
const md = [
  '# Near-duplicate retrieval: embeddings and PDQ',
  '',
  'Generated by `npx tsx scripts/neighbours/evaluate.ts` (do not edit by hand). Indexed: ' +
    `${photos.length} distinct benign photos, the ${photos.filter((p) => p.set === 'fixture').length} fixture photos ` +
    `(test/fixtures/images/photo-*) and ${photos.filter((p) => p.set === 'extra').length} more from the sample data of the PyPI wheels scikit-image 0.24.0 and ` +
    'matplotlib 3.9.2 (scripts/neighbours/fetch-eval-photos.sh), PyWavelets 1.7.0, SciPy 1.9.3, imgaug 0.4.0, mahotas 1.4.18 and ultralytics 8.3.40 (scripts/neighbours/fetch-more-eval-photos.sh). Queries: ' +
    `${transformNames.length} edited copies of every photo (${transformNames.join(', ')}; scripts/neighbours/transforms.ts), ${queries.length} in all.`,
  '',
  'The threshold is chosen on the fixture photos alone (the largest distance at which none of their copies or pairs is a false match); ' +
    'the held-out rows apply it to the extra photos, whose copies search the whole index. A false match is a copy within the threshold of ' +
    'another photo, or a pair of distinct photos within it.',
  '',
  '| method | recall@1 (all) | threshold | held-out recall at threshold | held-out false matches (copies / distinct pairs) | all: recall at threshold | all: false matches (copies / pairs) | ms per image |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.method} | ${pct(r.all.recallAt1)} | ${fmt(r, r.threshold)} ${r.unit} | ${pct(r.heldOut.recallAtThreshold)} | ${r.heldOut.falseMatchQueries} / ${r.heldOut.falseMatchPairs} of ${r.heldOut.queries} / ${r.heldOut.distinctPairs} | ${pct(r.all.recallAtThreshold)} | ${r.all.falseMatchQueries} / ${r.all.falseMatchPairs} | ${r.msPerImage.toFixed(1)} |`,
  ),
  ...results
    .filter((r) => r.atStandard)
    .map(
      (r) =>
        `\n${r.method} at the industry rule (Hamming <= ${r.standardThreshold}): recall ${pct(r.atStandard!.recallAtThreshold)}, false matches ${r.atStandard!.falseMatchQueries} copies / ${r.atStandard!.falseMatchPairs} pairs.`,
    ),
  '',
  `Issue 15's aim (held-out recall >= 95% with no false-match copy and no distinct pair within the threshold chosen on the fixture photos): ${meetsAim.length > 0 ? `met by ${meetsAim.join('; ')}` : 'met by no method or two-stage rule above or below'}.`,
  '',
  '## Two stages: PDQ, then the embedding',
  '',
  'A copy matches when PDQ is within 31 bits of an indexed photo, or else the embedding is within its threshold (the same nearest-photo rule). False matches count a copy that either stage would send to another photo.',
  '',
  '| rule | held-out recall | held-out false-match copies | all: recall | all: false-match copies |',
  '| --- | --- | --- | --- | --- |',
  ...combined.map(
    (c) =>
      `| ${c.method} | ${pct(c.heldOut.recall)} | ${c.heldOut.falseMatchQueries} of ${c.heldOut.queries} | ${pct(c.all.recall)} | ${c.all.falseMatchQueries} of ${c.all.queries} |`,
  ),
  '',
  ...twoStageMarkdown(twoStage, transformNames),
  ...orbMarkdown(orb, transformNames),
  '## Recall at the threshold, per edit',
  '',
  `| edit | ${results.map((r) => r.method).join(' | ')} |`,
  `| --- | ${results.map(() => '---').join(' | ')} |`,
  ...transformNames.map(
    (t) => `| ${t} | ${results.map((r) => pct(r.perTransform[t]!.recallAtThreshold)).join(' | ')} |`,
  ),
  '',
  '## Closest distinct photos',
  '',
  ...results.map((r) => `- ${r.method}: ${r.all.closestDistinctPairs.join('; ')}`),
  '',
];
{
  writeFileSync('models/image-safety/1/NEAR-DUPLICATES.md', md.join('\n'));
  writeFileSync(
    'models/image-safety/1/near-duplicates.json',
    `${JSON.stringify({ results, combined, twoStage, orb }, null, 1)}\n`,
  );
  console.log('wrote models/image-safety/1/NEAR-DUPLICATES.md');
}
