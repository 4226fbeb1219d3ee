import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors.js';
import type { NearestMatch } from '../../../src/neighbours/near-duplicate-index.js';
import type {
  OrbFeatureStore,
  QueryFeatures,
  Verdict,
} from '../../../src/neighbours/near-duplicate-verification.js';
import { NearDuplicateVerifier } from '../../../src/neighbours/near-duplicate-verifier.js';
import type { OrbExtractor } from '../../../src/neighbours/orb-thread.js';
import type { OrbFeatures } from '../../../src/neighbours/orb-verifier.js';

const RULE = { minInliers: 9, minKeypoints: 100, strictDistance: 0.1426 };
/** Features of `count` keypoints whose first descriptor byte says which image they are (the fake's "inliers"). */
const featuresOf = (id: number, count = 500): OrbFeatures => {
  const descriptors = new Uint8Array(32 * count);
  descriptors[0] = id;
  return { count, points: new Float32Array(2 * count), descriptors };
};
const candidate = (contentKey: string, distance: number): NearestMatch => ({
  contentKey,
  pinId: `pin-${contentKey}`,
  decision: 'BLOCK',
  distance,
});

/** A fake extractor: the query is image `queryId`; inliers are 50 against the same image, 2 otherwise. */
function fakeExtractor(queryId: number, queryCount = 500) {
  const calls = { query: 0, inliers: 0 };
  const extractor: OrbExtractor = {
    query: async () => {
      calls.query++;
      return { direct: featuresOf(queryId, queryCount), mirrored: featuresOf(queryId, queryCount) };
    },
    index: async () => featuresOf(queryId),
    inliers: async (q: QueryFeatures, indexed: OrbFeatures) => {
      calls.inliers++;
      return { inliers: q.direct.descriptors[0] === indexed.descriptors[0] ? 50 : 2 };
    },
  };
  return { extractor, calls };
}

function setup(
  stored: Record<string, OrbFeatures | Error>,
  extractor: OrbExtractor,
  store: 'present' | 'absent' = 'present',
) {
  const verdicts: Verdict[] = [];
  const logged: IntegrityError[] = [];
  let images = 0;
  const features: OrbFeatureStore = {
    get: async (key) => {
      const f = stored[key];
      if (f instanceof Error) throw f;
      return f;
    },
  };
  const verifier = new NearDuplicateVerifier({
    rule: RULE,
    store: store === 'present' ? features : undefined,
    extractor,
    observe: (v) => verdicts.push(v),
    log: (e) => logged.push(e),
  });
  const image = async () => (images++, new Uint8Array([1]));
  return { verifier, verdicts, logged, image, images: () => images };
}

describe('NearDuplicateVerifier', () => {
  it('costs nothing without candidates', async () => {
    const { extractor, calls } = fakeExtractor(1);
    const { verifier, verdicts, images } = setup({}, extractor);
    expect(await verifier.firstMatch([], () => Promise.reject(new Error('not read')))).toEqual({
      match: null,
      verdict: null,
    });
    expect([calls.query, images(), verdicts.length]).toEqual([0, 0, 0]);
  });

  it('verifies nearest first and stops at the first verified candidate, beyond the strict distance', async () => {
    const { extractor, calls } = fakeExtractor(2);
    const { verifier, verdicts, image, images } = setup(
      { a: featuresOf(1), b: featuresOf(2), c: featuresOf(2) },
      extractor,
    );
    const result = await verifier.firstMatch(
      [candidate('a', 0.05), candidate('b', 0.3), candidate('c', 0.4)],
      image,
    );
    // a is within the strict distance but ORB rejects it (another image); b verifies at 0.3.
    expect(result.match).toMatchObject({ contentKey: 'b', distance: 0.3 });
    expect(result.verdict).toEqual({ matched: true, by: 'orb', inliers: 50 });
    expect(verdicts).toEqual([
      { matched: false, by: 'orb', inliers: 2 },
      { matched: true, by: 'orb', inliers: 50 },
    ]);
    expect([calls.query, calls.inliers, images()]).toEqual([1, 2, 1]);
  });

  it('never extracts the query when no candidate has features to verify against: the strict distance decides', async () => {
    const { extractor, calls } = fakeExtractor(1);
    const { verifier, verdicts, logged, image, images } = setup({ flat: featuresOf(1, 20) }, extractor);
    const far = await verifier.firstMatch([candidate('none', 0.2), candidate('flat', 0.3)], image);
    expect(far.match).toBeNull();
    const near = await verifier.firstMatch([candidate('none', 0.1)], image);
    expect(near.match).toMatchObject({ contentKey: 'none' });
    expect(verdicts).toEqual([
      { matched: false, by: 'embedding', reason: 'no-features', code: 'IW_NEAR_DUPLICATE_UNVERIFIED' },
      { matched: false, by: 'embedding', reason: 'few-keypoints' },
      { matched: true, by: 'embedding', reason: 'no-features', code: 'IW_NEAR_DUPLICATE_UNVERIFIED' },
    ]);
    expect(logged.map((e) => e.code)).toEqual([
      'IW_NEAR_DUPLICATE_UNVERIFIED',
      'IW_NEAR_DUPLICATE_UNVERIFIED',
    ]);
    expect([calls.query, images()]).toEqual([0, 0]);
  });

  it('falls back to the strict distance when the store fails or there is none, and never throws', async () => {
    const { extractor } = fakeExtractor(1);
    const failing = setup({ a: new Error('ECONNREFUSED') }, extractor);
    const a = await failing.verifier.firstMatch([candidate('a', 0.12)], failing.image);
    expect(a.verdict).toMatchObject({ matched: true, by: 'embedding', reason: 'store-failed' });
    const none = setup({}, extractor, 'absent');
    const b = await none.verifier.firstMatch([candidate('a', 0.2)], none.image);
    expect(b.match).toBeNull();
    expect(none.verdicts).toEqual([
      { matched: false, by: 'embedding', reason: 'no-features', code: 'IW_NEAR_DUPLICATE_UNVERIFIED' },
    ]);
  });

  it('falls back with the reason when the query image, the extraction or the verification fails', async () => {
    const busy = new IntegrityError('IW_NEAR_DUPLICATE_UNVERIFIED', 'queue full', {
      details: { reason: 'verifier-busy' },
    });
    const cases: [string, OrbExtractor, () => Promise<Uint8Array>][] = [
      [
        'no-query-image',
        fakeExtractor(1).extractor,
        () => Promise.reject(new IntegrityError('IW_FETCH_TIMEOUT', 'slow')),
      ],
      [
        'verifier-busy',
        { ...fakeExtractor(1).extractor, query: () => Promise.reject(busy) },
        async () => new Uint8Array(1),
      ],
      [
        'verifier-failed',
        { ...fakeExtractor(1).extractor, inliers: () => Promise.reject(new Error('thread died')) },
        async () => new Uint8Array(1),
      ],
    ];
    for (const [reason, extractor, image] of cases) {
      const { verifier, verdicts, logged } = setup({ a: featuresOf(1), b: featuresOf(1) }, extractor);
      const result = await verifier.firstMatch([candidate('a', 0.2), candidate('b', 0.1)], image);
      expect(result.match, reason).toMatchObject({ contentKey: 'b' });
      expect(verdicts, reason).toEqual([
        { matched: false, by: 'embedding', reason, code: 'IW_NEAR_DUPLICATE_UNVERIFIED' },
        { matched: true, by: 'embedding', reason, code: 'IW_NEAR_DUPLICATE_UNVERIFIED' },
      ]);
      expect(logged.length, reason).toBeGreaterThan(0);
    }
  });

  it('leaves a query with too few keypoints to the strict distance', async () => {
    const { extractor, calls } = fakeExtractor(1, 30);
    const { verifier, verdicts, image } = setup({ a: featuresOf(1) }, extractor);
    const result = await verifier.firstMatch([candidate('a', 0.2)], image);
    expect(result.match).toBeNull();
    expect(verdicts).toEqual([{ matched: false, by: 'embedding', reason: 'few-keypoints' }]);
    expect(calls.inliers).toBe(0);
  });
});
