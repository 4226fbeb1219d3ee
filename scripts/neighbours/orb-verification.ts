/**
 * Recall stage, then local-feature verification (src/neighbours/orb-verifier.ts): the candidates of
 * an edited copy are the K nearest indexed photos by the served image-safety@1 embedding within a
 * loose distance; each, nearest first, is verified by ORB + ratio test + RANSAC homography (the copy
 * also as its mirror, for flips), and the first with at least T inliers is the match. Where either
 * image has fewer than MIN_KEYPOINTS keypoints (flat graphics) the rule falls back to the embedding
 * at its strict threshold. Every knob (K, the loose distance, T) is chosen on the fixture photos
 * alone; held-out recall, false-match copies and distinct pairs (every pair of photos verified
 * against each other, not just candidates) are counted on the extra photos.
 */
import { SERVED_VERIFICATION_RULE } from '../../src/neighbours/near-duplicate-verification.js';
import { orbGrey as orbGreyOf } from '../../src/preprocess/orb-grey.js';
import {
  COPY_GEOMETRY,
  mirrorGrey,
  orbFeatures,
  orbMatch,
  type GeometryRejection,
  type GreyImage,
  type OrbFeatures,
} from '../../src/neighbours/orb-verifier.js';
import type { MethodDistances } from './two-stage.js';

/** Below this many keypoints (either image) ORB is not trusted; fixed before looking at any photo. */
export const MIN_KEYPOINTS = SERVED_VERIFICATION_RULE.minKeypoints;
/**
 * T is never below twice the 4 matches a homography is fitted from: with fewer, what RANSAC calls
 * agreement is little more than its minimal sample.
 */
export const MIN_INLIERS_FLOOR = 8;
const LONGER_SIDE_PX = SERVED_VERIFICATION_RULE.longerSidePx;
const KS = [1, 3, 5, 10];
const MAX_K = Math.max(...KS);

type PhotoSet = 'fixture' | 'extra';
interface Query {
  photo: number;
  transform: string;
  bytes: Uint8Array;
}
interface Stat {
  queries: number;
  recall: number;
  falseMatchQueries: number;
  fallbackMatches: number;
  distinctPairs: number;
  /** Pairs of distinct photos with >= T inliers (either orientation), whatever their embedding distance. */
  verifiedPairs: number;
  /** The same without the geometry checks (RANSAC inliers among one-to-one matches >= T). */
  verifiedPairsWithoutGeometry: number;
  /** Copies whose wrong candidate (within the rule's K and loose distance, ORB trusted) has >= T inliers. */
  verifiedWrongCandidates: number;
  /** Pairs the whole rule matches (a candidate within the loose distance, then verified or fallen back). */
  rulePairs: number;
}
export interface OrbRule {
  rule: string;
  k: number;
  looseDistance: number;
  minInliers: number;
  fixture: Stat;
  heldOut: Stat;
  all: Stat;
  perTransform: Record<string, number>;
  /** Mean verifications (candidate x orientation) per copy. */
  verificationsPerQuery: number;
}
export interface OrbEvaluation {
  msPerExtraction: number;
  msPerVerification: number;
  keypoints: { min: number; median: number; fewPhotos: string[]; fewQueries: number };
  rules: OrbRule[];
  chosen: OrbRule;
  /** Distinct pairs at or above the chosen T before or after the geometry checks, with what stopped them. */
  pairsAtT: {
    a: string;
    b: string;
    heldOut: boolean;
    inliers: number;
    ransacInliers: number;
    rejected?: GeometryRejection;
  }[];
  /** The most RANSAC inliers (one-to-one matches, before geometry) of any distinct pair, held out. */
  maxPairRansacHeldOut: number;
  /** The fewest inliers of a held-out copy verified against its own photo (ORB trusted, either orientation). */
  minOwnInliersHeldOut: number;
  /** Whether src/neighbours/near-duplicate-verification.ts's SERVED_VERIFICATION_RULE is this calibration. */
  constantsAgree: boolean;
}
interface Check {
  inliers: number;
  ransacInliers: number;
  rejected?: GeometryRejection;
}

/** Greyscale, flattened onto white, resized to LONGER_SIDE_PX on the longer side (the worker's too). */
export const orbGrey = (bytes: Uint8Array): Promise<GreyImage> => orbGreyOf(bytes, LONGER_SIDE_PX);

export async function orbEvaluation(
  photos: { name: string; set: PhotoSet; bytes: Uint8Array }[],
  queries: Query[],
  embedding: MethodDistances,
  strictDistance: number,
  transformNames: string[],
): Promise<OrbEvaluation> {
  let started = performance.now();
  const features = async (b: Uint8Array): Promise<[OrbFeatures, OrbFeatures]> => {
    const g = await orbGrey(b);
    return [await orbFeatures(g), await orbFeatures(mirrorGrey(g))];
  };
  await orbFeatures(await orbGrey(photos[0]!.bytes)); // load OpenCV.js outside the timing
  started = performance.now();
  const pf: [OrbFeatures, OrbFeatures][] = [];
  for (const p of photos) pf.push(await features(p.bytes));
  const qf: [OrbFeatures, OrbFeatures][] = [];
  for (const q of queries) qf.push(await features(q.bytes));
  const msPerExtraction = (performance.now() - started) / (2 * (photos.length + queries.length));
  const candidatesOf = (k: number, qi: number, loose: number) =>
    embedding.queryToPhoto[qi]!.map((d, j) => ({ j, d }))
      .filter((c) => c.d <= loose)
      .sort((x, y) => x.d - y.d)
      .slice(0, k);
  const setOf = (i: number) => photos[i]!.set;
  const fixtureQ = queries.map((q, i) => ({ q, i })).filter(({ q }) => setOf(q.photo) === 'fixture');
  // The loose distance keeps every fixture copy's original within the candidates' reach.
  const loose = Math.max(...fixtureQ.map(({ q, i }) => embedding.queryToPhoto[i]![q.photo]!));
  started = performance.now();
  let verifications = 0;
  /** The copy (and its mirror) against an indexed photo: the better orientation's verification. */
  const both = async (q: [OrbFeatures, OrbFeatures], p: OrbFeatures): Promise<Check> => {
    verifications += 2;
    const m = [await orbMatch(q[0], p), await orbMatch(q[1], p)];
    const by =
      m[0]!.inliers !== m[1]!.inliers
        ? m[0]!.inliers > m[1]!.inliers
          ? m[0]!
          : m[1]!
        : m[0]!.ransacInliers >= m[1]!.ransacInliers
          ? m[0]!
          : m[1]!;
    return {
      inliers: by.inliers,
      ransacInliers: Math.max(m[0]!.ransacInliers, m[1]!.ransacInliers),
      ...(by.rejected !== undefined && { rejected: by.rejected }),
    };
  };
  const none: Check = { inliers: -1, ransacInliers: -1 };
  // Every copy against its MAX_K nearest photos by the embedding within the loose distance (every
  // rule's candidates are among them; -1 elsewhere), and every pair of photos (a's features and its mirror against b).
  const qInliers: Check[][] = [];
  for (const [qi, q] of qf.entries()) {
    const row = photos.map(() => none);
    for (const c of candidatesOf(MAX_K, qi, loose)) row[c.j] = await both(q, pf[c.j]![0]);
    qInliers.push(row);
  }
  const pairs: ({ a: number; b: number; d: number } & Check)[] = [];
  for (let a = 0; a < photos.length; a++)
    for (let b = a + 1; b < photos.length; b++)
      pairs.push({ a, b, ...(await both(pf[a]!, pf[b]![0])), d: embedding.photoToPhoto[a]![b]! });
  const msPerVerification = (performance.now() - started) / verifications;

  const few = (f: OrbFeatures) => f.count < MIN_KEYPOINTS;
  const inSet = (set: PhotoSet | 'all', q: Query) => set === 'all' || setOf(q.photo) === set;
  const pairIn = (set: PhotoSet | 'all', p: { a: number; b: number }) =>
    set === 'all' ||
    (set === 'fixture'
      ? setOf(p.a) === 'fixture' && setOf(p.b) === 'fixture'
      : setOf(p.a) === 'extra' || setOf(p.b) === 'extra');
  /** The matched photo of copy qi under a rule, and whether the embedding fallback decided it. */
  const matchOf = (k: number, loose: number, t: number, qi: number) => {
    for (const c of candidatesOf(k, qi, loose)) {
      if (few(qf[qi]![0]) || few(pf[c.j]![0])) {
        if (c.d <= strictDistance) return { j: c.j, fallback: true };
      } else if (qInliers[qi]![c.j]!.inliers >= t) return { j: c.j, fallback: false };
    }
    return undefined;
  };
  const pairMatched = (loose: number, t: number, p: (typeof pairs)[number]) =>
    p.d <= loose && (few(pf[p.a]![0]) || few(pf[p.b]![0]) ? p.d <= strictDistance : p.inliers >= t);

  const rules: OrbRule[] = [];
  for (const k of KS) {
    // T: one above every wrong verification among the fixture photos (wrong candidates, all pairs),
    // counted before the geometry checks (so T alone would keep them out), and at least the floor.
    let wrongMax = 0;
    for (const { q, i } of fixtureQ)
      for (const c of candidatesOf(k, i, loose))
        if (c.j !== q.photo && !few(qf[i]![0]) && !few(pf[c.j]![0]))
          wrongMax = Math.max(wrongMax, qInliers[i]![c.j]!.ransacInliers);
    for (const p of pairs) if (pairIn('fixture', p)) wrongMax = Math.max(wrongMax, p.ransacInliers);
    const t = Math.max(MIN_INLIERS_FLOOR, wrongMax + 1);
    const stat = (set: PhotoSet | 'all'): Stat => {
      const idx = queries.map((q, i) => ({ q, i })).filter(({ q }) => inSet(set, q));
      const m = idx.map(({ q, i }) => ({ q, m: matchOf(k, loose, t, i) }));
      const ps = pairs.filter((p) => pairIn(set, p));
      return {
        queries: idx.length,
        recall: m.filter((x) => x.m?.j === x.q.photo).length / idx.length,
        falseMatchQueries: m.filter((x) => x.m !== undefined && x.m.j !== x.q.photo).length,
        fallbackMatches: m.filter((x) => x.m?.fallback).length,
        distinctPairs: ps.length,
        verifiedPairs: ps.filter((p) => p.inliers >= t).length,
        verifiedPairsWithoutGeometry: ps.filter((p) => p.ransacInliers >= t).length,
        verifiedWrongCandidates: idx.filter(({ q, i }) =>
          candidatesOf(k, i, loose).some(
            (c) => c.j !== q.photo && !few(qf[i]![0]) && !few(pf[c.j]![0]) && qInliers[i]![c.j]!.inliers >= t,
          ),
        ).length,
        rulePairs: ps.filter((p) => pairMatched(loose, t, p)).length,
      };
    };
    const perTransform = Object.fromEntries(
      transformNames.map((tr) => {
        const idx = queries
          .map((q, i) => ({ q, i }))
          .filter(({ q }) => q.transform === tr && setOf(q.photo) === 'extra');
        return [tr, idx.filter(({ q, i }) => matchOf(k, loose, t, i)?.j === q.photo).length / idx.length];
      }),
    );
    const verificationsPerQuery =
      (2 * queries.reduce((s, _, i) => s + candidatesOf(k, i, loose).length, 0)) / queries.length;
    rules.push({
      rule: `top-${k} by image-safety@1 embedding <= ${loose.toFixed(4)}, then ORB inliers >= ${t}`,
      k,
      looseDistance: loose,
      minInliers: t,
      fixture: stat('fixture'),
      heldOut: stat('extra'),
      all: stat('all'),
      perTransform,
      verificationsPerQuery,
    });
  }
  // The served rule: the best fixture recall, then the fewest candidates (held-out rows only report).
  const chosen = [...rules].sort((x, y) => y.fixture.recall - x.fixture.recall || x.k - y.k)[0]!;
  const counts = pf.map((f) => f[0].count).sort((x, y) => x - y);
  const t = chosen.minInliers;
  const heldOutPairs = pairs.filter((p) => pairIn('extra', p));
  let minOwn = Infinity;
  for (const [qi, q] of queries.entries())
    if (setOf(q.photo) === 'extra' && !few(qf[qi]![0]) && !few(pf[q.photo]![0]))
      minOwn = Math.min(minOwn, (await both(qf[qi]!, pf[q.photo]![0])).inliers);
  const rule = SERVED_VERIFICATION_RULE;
  return {
    pairsAtT: pairs
      .filter((p) => p.inliers >= t || p.ransacInliers >= t)
      .map((p) => ({
        a: photos[p.a]!.name,
        b: photos[p.b]!.name,
        heldOut: pairIn('extra', p),
        inliers: p.inliers,
        ransacInliers: p.ransacInliers,
        ...(p.rejected !== undefined && { rejected: p.rejected }),
      })),
    maxPairRansacHeldOut: Math.max(0, ...heldOutPairs.map((p) => p.ransacInliers)),
    minOwnInliersHeldOut: minOwn,
    constantsAgree:
      rule.candidates === chosen.k &&
      rule.looseDistance === Number(chosen.looseDistance.toFixed(4)) &&
      rule.minInliers === chosen.minInliers &&
      rule.strictDistance === Number(strictDistance.toFixed(4)),
    msPerExtraction,
    msPerVerification,
    keypoints: {
      min: counts[0]!,
      median: counts[Math.floor(counts.length / 2)]!,
      fewPhotos: photos
        .filter((_, j) => few(pf[j]![0]))
        .map((p) => `${p.name} (${pf[photos.indexOf(p)]![0].count})`),
      fewQueries: qf.filter((f) => few(f[0])).length,
    },
    rules,
    chosen,
  };
}

export function orbMarkdown(e: OrbEvaluation, transformNames: string[]): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const c = e.chosen;
  return [
    '## Recall stage, then ORB + RANSAC verification',
    '',
    'Candidates: the K nearest indexed photos by the served image-safety@1 embedding within a loose distance (the largest distance of a fixture copy to its original). ' +
      'Each candidate, nearest first, is verified with OpenCV ORB (up to 500 keypoints, greyscale, 512 px longer side; the copy also as its mirror) matched by brute-force Hamming with a 0.75 ratio test, ' +
      'kept one to one (each indexed keypoint and each pixel position on either side in one match only, best distance first), ' +
      `then a RANSAC homography (5 px) whose geometry must be a copy's (src/neighbours/orb-verifier.ts, COPY_GEOMETRY: orientation kept, scale ${COPY_GEOMETRY.minScale.toFixed(2)}-${COPY_GEOMETRY.maxScale}, anisotropy <= ${COPY_GEOMETRY.maxAnisotropy}, perspective <= ${COPY_GEOMETRY.maxPerspective}, inliers spread over >= ${COPY_GEOMETRY.minSpread} of each image's keypoint hull; otherwise 0 inliers); ` +
      `the first candidate with at least T inliers is the match. Where the copy or the candidate has fewer than ${MIN_KEYPOINTS} keypoints, the embedding at its strict threshold decides instead (fallback). ` +
      `T is one above the most RANSAC inliers (before the geometry checks) of any wrong verification among the fixture photos (their wrong candidates and every pair of them), and at least ${MIN_INLIERS_FLOOR}. ` +
      'Distinct pairs: every pair of photos verified against each other in both orientations, whatever their distance ("verified": by the verifier alone; "no geometry": the same without the geometry checks), and the pairs the whole rule matches ("rule").',
    '',
    `Cost, measured in this run: ${e.msPerExtraction.toFixed(1)} ms per ORB extraction (decode, resize, greyscale, detect and describe; a copy needs two, itself and its mirror), ` +
      `${e.msPerVerification.toFixed(2)} ms per verification (matching and RANSAC, one candidate, one orientation). ` +
      `Keypoints per indexed photo: min ${e.keypoints.min}, median ${e.keypoints.median}; photos under ${MIN_KEYPOINTS}: ${e.keypoints.fewPhotos.length > 0 ? e.keypoints.fewPhotos.join(', ') : 'none'}; copies under ${MIN_KEYPOINTS}: ${e.keypoints.fewQueries}.`,
    '',
    '| rule | fixture recall | held-out recall | held-out false-match copies | held-out copies with a wrong candidate verified | held-out distinct pairs verified / no geometry / matched by the rule | held-out matches by the fallback | all: recall | all: false copies / pairs (rule) | verifications per copy |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...e.rules.map(
      (r) =>
        `| ${r.rule}${r === c ? ' (chosen)' : ''} | ${pct(r.fixture.recall)} | ${pct(r.heldOut.recall)} | ${r.heldOut.falseMatchQueries} of ${r.heldOut.queries} | ${r.heldOut.verifiedWrongCandidates} | ${r.heldOut.verifiedPairs} / ${r.heldOut.verifiedPairsWithoutGeometry} / ${r.heldOut.rulePairs} of ${r.heldOut.distinctPairs} | ${r.heldOut.fallbackMatches} | ${pct(r.all.recall)} | ${r.all.falseMatchQueries} / ${r.all.rulePairs} | ${r.verificationsPerQuery.toFixed(1)} |`,
    ),
    '',
    `Chosen on the fixture photos (best fixture recall, then fewest candidates): ${c.rule}. Held-out recall ${pct(c.heldOut.recall)}, ${c.heldOut.falseMatchQueries} false-match copies, ` +
      `${c.heldOut.verifiedPairs} distinct pairs verified, ${c.heldOut.rulePairs} matched by the rule; issue 15's aim (>= 95% at 0 false matches) is ${c.heldOut.recall >= 0.95 && c.heldOut.falseMatchQueries === 0 && c.heldOut.rulePairs === 0 && c.heldOut.verifiedPairs === 0 ? 'met' : 'not met'} by it.`,
    '',
    `Margin at T = ${c.minInliers}: the most RANSAC inliers of any held-out distinct pair, before the geometry checks, is ${e.maxPairRansacHeldOut}; the fewest inliers of a held-out copy against its own photo (ORB trusted) is ${e.minOwnInliersHeldOut}. ` +
      `Distinct pairs (all photos) at or above T before or after the geometry checks: ${e.pairsAtT.length === 0 ? 'none' : e.pairsAtT.map((p) => `${p.a} ~ ${p.b}${p.heldOut ? '' : ' (fixture)'}: ${p.ransacInliers} RANSAC inliers, ${p.inliers} after the checks${p.rejected ? ` (${p.rejected})` : ''}`).join('; ')}. ` +
      `The rule's constants in src/neighbours/near-duplicate-verification.ts (SERVED_VERIFICATION_RULE) ${e.constantsAgree ? 'are this calibration' : '**differ from this calibration**'}.`,
    '',
    '| edit (held-out) | ' + e.rules.map((r) => `top-${r.k}`).join(' | ') + ' |',
    '| --- | ' + e.rules.map(() => '---').join(' | ') + ' |',
    ...transformNames.map((t) => `| ${t} | ${e.rules.map((r) => pct(r.perTransform[t]!)).join(' | ')} |`),
    '',
  ];
}
