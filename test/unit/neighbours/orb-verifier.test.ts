import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { orbGrey } from '../../../scripts/neighbours/orb-verification.js';
import { TRANSFORMS } from '../../../scripts/neighbours/transforms.js';
import {
  mirrorGrey,
  orbFeatures,
  orbInliers,
  type OrbFeatures,
} from '../../../src/neighbours/orb-verifier.js';

const photo = (name: string) => readFile(`test/fixtures/images/${name}`);
const featuresOf = async (bytes: Uint8Array) => orbFeatures(await orbGrey(bytes));

/** The most inliers of the copy or its mirror against the indexed features. */
async function verified(copy: Uint8Array, indexed: OrbFeatures): Promise<number> {
  const g = await orbGrey(copy);
  return Math.max(
    await orbInliers(await orbFeatures(g), indexed),
    await orbInliers(await orbFeatures(mirrorGrey(g)), indexed),
  );
}

describe('ORB + RANSAC verification', () => {
  it('finds up to 500 keypoints with 32-byte descriptors on a photo', async () => {
    const f = await featuresOf(await photo('photo-chelsea.jpg'));
    expect(f.count).toBeGreaterThan(300);
    expect(f.count).toBeLessThanOrEqual(500);
    expect(f.descriptors.length).toBe(32 * f.count);
    expect(f.points.length).toBe(2 * f.count);
  }, 60_000);

  it('verifies a cropped, a rotated and a flipped copy of the same photo, not another photo', async () => {
    const chelsea = await photo('photo-chelsea.jpg');
    const indexed = await featuresOf(chelsea);
    const other = await featuresOf(await photo('photo-coffee.jpg'));
    for (const edit of ['crop-80-centre', 'rotate-minus-5', 'flip-horizontal'] as const) {
      const copy = await TRANSFORMS[edit]!(chelsea);
      expect(await verified(copy, indexed)).toBeGreaterThan(50);
      expect(await verified(copy, other)).toBeLessThan(15);
    }
  }, 120_000);

  it('a flipped copy is verified only through its mirror', async () => {
    const chelsea = await photo('photo-chelsea.jpg');
    const indexed = await featuresOf(chelsea);
    const flipped = await orbGrey(await TRANSFORMS['flip-horizontal']!(chelsea));
    const direct = await orbInliers(await orbFeatures(flipped), indexed);
    const mirrored = await orbInliers(await orbFeatures(mirrorGrey(flipped)), indexed);
    expect(mirrored).toBeGreaterThan(50);
    expect(direct).toBeLessThan(mirrored / 4);
  }, 60_000);

  it('a flat image has no keypoints, and verifying against it gives 0 inliers', async () => {
    const flat = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3366aa' } })
      .png()
      .toBuffer();
    const f = await featuresOf(flat);
    expect(f.count).toBe(0);
    expect(await orbInliers(await featuresOf(await photo('photo-chelsea.jpg')), f)).toBe(0);
  }, 60_000);

  it('mirrorGrey flips each row', () => {
    const m = mirrorGrey({ data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 3, height: 2 });
    expect([...m.data]).toEqual([3, 2, 1, 6, 5, 4]);
  });
});
