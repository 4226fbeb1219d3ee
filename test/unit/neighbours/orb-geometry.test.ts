import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { orbGrey } from '../../../scripts/neighbours/orb-verification.js';
import { TRANSFORMS } from '../../../scripts/neighbours/transforms.js';
import {
  COPY_GEOMETRY,
  hullArea,
  mirrorGrey,
  orbFeatures,
  orbInliers,
  orbMatch,
  uniquePairs,
  type OrbFeatures,
} from '../../../src/neighbours/orb-verifier.js';

/** A deterministic pseudo-random generator (mulberry32), so every run draws the same features. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const features = (points: [number, number][], descriptors: Uint8Array): OrbFeatures => ({
  count: points.length,
  points: Float32Array.from(points.flat()),
  descriptors,
});

/**
 * Indexed features: n keypoints spread over a 512 x 512 image with random descriptors; the query:
 * the same descriptors at `map(indexed point)` (the query's pixels of the same scene points).
 */
function scene(n: number, map: (x: number, y: number) => [number, number], seed = 1) {
  const r = random(seed);
  const pts: [number, number][] = Array.from({ length: n }, () => [16 + 480 * r(), 16 + 480 * r()]);
  const des = Uint8Array.from({ length: 32 * n }, () => Math.floor(256 * r()));
  return {
    indexed: features(pts, des),
    query: features(
      pts.map(([x, y]) => map(x, y)),
      des,
    ),
  };
}

/** The query-side points of an indexed-side homography's inverse, given as a map. */
const similarity = (deg: number, s: number, tx: number, ty: number) => {
  const c = Math.cos((deg * Math.PI) / 180) * s;
  const d = Math.sin((deg * Math.PI) / 180) * s;
  return (x: number, y: number): [number, number] => [c * x - d * y + tx, d * x + c * y + ty];
};

describe('copy geometry of the RANSAC homography', () => {
  it('passes a similarity a copy can have (5 degrees, 80% crop scale), with every match an inlier', async () => {
    // query = indexed scaled by 1 / 0.8 (a crop of 80% sized back up), rotated 5 degrees.
    const { query, indexed } = scene(60, similarity(5, 1.25, -60, -40));
    const m = await orbMatch(query, indexed);
    expect(m.rejected).toBeUndefined();
    expect(m.inliers).toBe(60);
    expect(m.scale).toBeCloseTo(0.8, 2);
    expect(m.anisotropy).toBeCloseTo(1, 2);
    expect(m.perspective).toBeLessThan(1e-3);
    expect(await orbInliers(query, indexed)).toBe(60);
  });

  it('rejects a mirror image fit (a flip is verified through the mirrored query instead)', async () => {
    const { query, indexed } = scene(60, (x, y) => [512 - x, y]);
    const m = await orbMatch(query, indexed);
    expect(m.ransacInliers).toBe(60);
    expect(m.rejected).toBe('mirrored');
    expect(m.inliers).toBe(0);
  });

  it('rejects a fit that shrinks or blows up the photo beyond any crop', async () => {
    const tiny = scene(60, (x, y) => [x * 4, y * 4]); // indexed = query / 4
    expect(await orbMatch(tiny.query, tiny.indexed)).toMatchObject({ rejected: 'scale', inliers: 0 });
    const huge = scene(60, (x, y) => [100 + x / 4, 100 + y / 4]);
    expect(await orbMatch(huge.query, huge.indexed)).toMatchObject({ rejected: 'scale', inliers: 0 });
  });

  it('rejects a fit stretched in one direction, and a strong perspective', async () => {
    const stretched = scene(60, (x, y) => [x, y / 2 + 50]);
    expect(await orbMatch(stretched.query, stretched.indexed)).toMatchObject({
      rejected: 'anisotropy',
      inliers: 0,
    });
    // A projective map whose denominator varies by 2.5x over the image.
    const slanted = scene(60, (x, y) => {
      const w = 1 + 0.003 * x;
      return [x / w, y / w];
    });
    const m = await orbMatch(slanted.query, slanted.indexed);
    expect(m.rejected).toBe('perspective');
    expect(m.perspective).toBeGreaterThan(COPY_GEOMETRY.maxPerspective);
  });

  it('rejects agreeing matches packed in a small patch of otherwise spread keypoints', async () => {
    const r = random(7);
    const spreadPts = (n: number): [number, number][] =>
      Array.from({ length: n }, () => [512 * r(), 512 * r()]);
    const patch: [number, number][] = Array.from({ length: 30 }, () => [200 + 40 * r(), 300 + 40 * r()]);
    const shared = Uint8Array.from({ length: 32 * 30 }, () => Math.floor(256 * r()));
    const own = (n: number) => Uint8Array.from({ length: 32 * n }, () => Math.floor(256 * r()));
    const indexed = features([...patch, ...spreadPts(200)], Uint8Array.from([...shared, ...own(200)]));
    const query = features([...patch, ...spreadPts(200)], Uint8Array.from([...shared, ...own(200)]));
    const m = await orbMatch(query, indexed);
    expect(m.ransacInliers).toBeGreaterThanOrEqual(30);
    expect(m.indexedSpread).toBeLessThan(COPY_GEOMETRY.minSpread);
    expect(m).toMatchObject({ rejected: 'spread', inliers: 0 });
  });

  it('counts an indexed keypoint once however many query keypoints match it', async () => {
    // 8 indexed keypoints (a near-flat image); 200 query keypoints, 25 per indexed descriptor with a
    // bit or two changed: before one-to-one matching they all passed the ratio test.
    const r = random(3);
    const pts: [number, number][] = Array.from({ length: 8 }, () => [512 * r(), 512 * r()]);
    const des = Uint8Array.from({ length: 32 * 8 }, () => Math.floor(256 * r()));
    const indexed = features(pts, des);
    const qPts: [number, number][] = [];
    const qDes = new Uint8Array(32 * 200);
    for (let i = 0; i < 200; i++) {
      const k = i % 8;
      qPts.push([512 * r(), 512 * r()]);
      qDes.set(des.subarray(32 * k, 32 * k + 32), 32 * i);
      qDes[32 * i + (i % 32)]! ^= 1 << (i % 8);
    }
    const m = await orbMatch(features(qPts, qDes), indexed);
    expect(m.ratioMatches).toBeGreaterThan(100);
    expect(m.uniqueMatches).toBeLessThanOrEqual(8);
    expect(m.ransacInliers).toBeLessThanOrEqual(8);
  });

  it('uniquePairs keeps the best match of each indexed keypoint and of each position', () => {
    const q = features(
      [
        [1, 1],
        [5, 5],
        [5.2, 4.9],
        [9, 9],
      ],
      new Uint8Array(128),
    );
    const t = features(
      [
        [0, 0],
        [7, 7],
      ],
      new Uint8Array(64),
    );
    const kept = uniquePairs(q, t, [
      { q: 0, t: 0, d: 30 },
      { q: 3, t: 0, d: 10 }, // the better match of indexed keypoint 0
      { q: 1, t: 1, d: 20 },
      { q: 2, t: 1, d: 5 }, // same indexed keypoint, and the same query pixel as q 1
    ]);
    expect(kept).toEqual([
      [2, 1],
      [3, 0],
    ]);
  });

  it('hullArea is the convex hull area', () => {
    const square: [number, number][] = [
      [0, 0],
      [2, 0],
      [2, 2],
      [0, 2],
      [1, 1],
    ];
    expect(hullArea(square)).toBeCloseTo(4);
    expect(
      hullArea([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
    ).toBe(0);
    expect(hullArea([[0, 0]])).toBe(0);
  });
});

describe('copy geometry on real edits', () => {
  const photo = (name: string) => readFile(`test/fixtures/images/${name}`);
  /** The verification of the copy or its mirror, whichever has more inliers. */
  async function verified(copy: Uint8Array, indexed: OrbFeatures) {
    const g = await orbGrey(copy);
    const d = await orbMatch(await orbFeatures(g), indexed);
    const m = await orbMatch(await orbFeatures(mirrorGrey(g)), indexed);
    return d.inliers >= m.inliers ? d : m;
  }

  it('a crop, a rotation, a resize, a caption strip and a flip of a photo keep a copy geometry', async () => {
    const coffee = await photo('photo-coffee.jpg');
    const indexed = await orbFeatures(await orbGrey(coffee));
    const scaleOf: Record<string, [number, number]> = {
      'crop-80-centre': [0.75, 0.85],
      'rotate-minus-5': [0.8, 1.1], // the rotated canvas is larger, then sized to 512
      'resize-50': [0.95, 1.05],
      'caption-strip': [0.8, 1.25],
      'flip-horizontal': [0.95, 1.05],
    };
    for (const [edit, [lo, hi]] of Object.entries(scaleOf)) {
      const m = await verified(await TRANSFORMS[edit]!(coffee), indexed);
      expect(m.rejected, edit).toBeUndefined();
      expect(m.inliers, edit).toBeGreaterThan(30);
      expect(m.scale!, edit).toBeGreaterThan(lo);
      expect(m.scale!, edit).toBeLessThan(hi);
    }
  }, 120_000);
});
