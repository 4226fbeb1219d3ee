import { describe, expect, it } from 'vitest';
import type { Scorer } from '../../../src/infer/scorer.js';
import { NearDuplicateIndex } from '../../../src/neighbours/near-duplicate-index.js';
import { NearDuplicateVerifier } from '../../../src/neighbours/near-duplicate-verifier.js';
import type { OrbExtractor } from '../../../src/neighbours/orb-thread.js';
import type { OrbFeatures } from '../../../src/neighbours/orb-verifier.js';
import { parseSignalDeclaration } from '../../../src/scores.js';
import { imageNearDuplicate } from '../../../src/signals/image-near-duplicate.js';
import type { DerivedSignal, NearDuplicateSearch, SignalDeps } from '../../../src/signals/signal.js';

const DIM = 8;
const STRICT = 0.1426;
/** A unit vector at cosine distance `d` from e0, in the plane of e0 and e_axis. */
const at = (d: number, axis: number) => {
  const v = new Float32Array(DIM);
  v[0] = 1 - d;
  v[axis] = Math.sqrt(1 - (1 - d) ** 2);
  return v;
};
const query = at(0, 1);
const features = (id: number): OrbFeatures => {
  const descriptors = new Uint8Array(32 * 500);
  descriptors[0] = id;
  return { count: 500, points: new Float32Array(1000), descriptors };
};

function signalWith(search: NearDuplicateSearch): DerivedSignal {
  const scorer = { classes: [], embedding: { output: 'embedding', dimension: DIM, normalized: true } };
  const deps: SignalDeps = {
    scorer: () => scorer as unknown as Scorer,
    decodedImages: { run: (_value, work) => work() },
    nearDuplicates: () => search,
  };
  return imageNearDuplicate.create(
    parseSignalDeclaration('image.near_duplicate=image-safety@1'),
    deps,
  ) as DerivedSignal;
}

function indexed() {
  const index = new NearDuplicateIndex('image-safety@1', DIM);
  // The copy's original is the second nearest, beyond the strict distance; a look-alike is nearer.
  index.upsert({ contentKey: 'look-alike', pinId: 'p1', decision: 'REVIEW' }, at(0.2, 2));
  index.upsert({ contentKey: 'original', pinId: 'p2', decision: 'BLOCK' }, at(0.3, 3));
  index.upsert({ contentKey: 'far', pinId: 'p3', decision: 'BLOCK' }, at(0.6, 4));
  return index;
}

describe('image.near_duplicate', () => {
  it('without verification (NEAR_DUPLICATE_VERIFIER=none) matches the nearest within the strict distance only', async () => {
    const signal = signalWith({ index: indexed(), maxDistance: STRICT });
    const { scores, match } = await signal.derive(query);
    expect(match).toBeNull();
    expect(scores).toEqual({ BLOCK: 0, REVIEW: 0, similarity: expect.closeTo(0.8, 4) });
  });

  it('with verification matches the first verified of the K nearest within the loose distance', async () => {
    const handed: string[][] = [];
    const extractor: OrbExtractor = {
      query: async () => ({ direct: features(2), mirrored: features(2) }),
      index: async () => features(2),
      inliers: async (q, f) => ({ inliers: q.direct.descriptors[0] === f.descriptors[0] ? 40 : 1 }),
    };
    const verifier = new NearDuplicateVerifier({
      rule: { minInliers: 9, minKeypoints: 100, strictDistance: STRICT },
      store: {
        get: async (key) => {
          handed.push([key]);
          return { 'look-alike': features(1), original: features(2), far: features(2) }[key];
        },
      },
      extractor,
    });
    const signal = signalWith({
      index: indexed(),
      maxDistance: STRICT,
      verification: { verifier, candidates: 3, looseDistance: 0.5303 },
    });
    const { scores, match } = await signal.derive(query, undefined, {
      verificationImage: async () => new Uint8Array([1]),
    });
    expect(match).toMatchObject({ contentKey: 'original', pinId: 'p2', decision: 'BLOCK' });
    expect(match!.distance).toBeCloseTo(0.3, 4);
    // similarity stays the nearest content's; the matched decision scores 1.
    expect(scores).toEqual({ BLOCK: 1, REVIEW: 0, similarity: expect.closeTo(0.8, 4) });
    // The third nearest is beyond the loose distance: never a candidate.
    expect(handed.flat()).toEqual(['look-alike', 'original']);

    // Without the image (no context), verification cannot run: the strict distance decides (no match).
    const fallback = await signal.derive(query);
    expect(fallback.match).toBeNull();
  });
});
