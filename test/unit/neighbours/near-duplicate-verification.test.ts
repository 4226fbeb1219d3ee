import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { orbGrey } from '../../../scripts/neighbours/orb-verification.js';
import { TRANSFORMS } from '../../../scripts/neighbours/transforms.js';
import type { IntegrityError } from '../../../src/errors.js';
import {
  decodeOrbFeatures,
  encodeOrbFeatures,
  SERVED_VERIFICATION_RULE,
  verifyCandidate,
  type OrbFeatureStore,
  type QueryFeatures,
} from '../../../src/neighbours/near-duplicate-verification.js';
import { mirrorGrey, orbFeatures, type OrbFeatures } from '../../../src/neighbours/orb-verifier.js';

const RULE = { minInliers: 20, minKeypoints: 100, strictDistance: 0.14 };
const photo = (name: string) => readFile(`test/fixtures/images/${name}`);
async function queryOf(bytes: Uint8Array): Promise<QueryFeatures> {
  const g = await orbGrey(bytes);
  return { direct: await orbFeatures(g), mirrored: await orbFeatures(mirrorGrey(g)) };
}
const storeOf = (entries: Record<string, OrbFeatures>): OrbFeatureStore => ({
  get: (key) => Promise.resolve(entries[key]),
});

describe('verifyCandidate', () => {
  it('confirms a flipped copy by ORB beyond the strict embedding distance, and rejects another photo', async () => {
    const chelsea = await photo('photo-chelsea.jpg');
    const store = storeOf({
      chelsea: (await queryOf(chelsea)).direct,
      coffee: (await queryOf(await photo('photo-coffee.jpg'))).direct,
    });
    const query = await queryOf(await TRANSFORMS['flip-horizontal']!(chelsea));
    const own = await verifyCandidate(query, { contentKey: 'chelsea', distance: 0.3 }, store, RULE);
    expect(own).toMatchObject({ matched: true, by: 'orb' });
    const other = await verifyCandidate(query, { contentKey: 'coffee', distance: 0.05 }, store, RULE);
    expect(other).toMatchObject({ matched: false, by: 'orb' });
  }, 60_000);

  it('falls back to the strict embedding distance, with a logged code, when no features are stored', async () => {
    const query = await queryOf(await photo('photo-chelsea.jpg'));
    const logged: IntegrityError[] = [];
    const log = (e: IntegrityError) => logged.push(e);
    const near = await verifyCandidate(query, { contentKey: 'x', distance: 0.1 }, storeOf({}), RULE, log);
    const far = await verifyCandidate(query, { contentKey: 'x', distance: 0.2 }, storeOf({}), RULE, log);
    expect(near).toMatchObject({ matched: true, by: 'embedding', reason: 'no-features' });
    expect(far).toMatchObject({ matched: false, by: 'embedding', reason: 'no-features' });
    expect(logged.map((e) => e.code)).toEqual([
      'IW_NEAR_DUPLICATE_UNVERIFIED',
      'IW_NEAR_DUPLICATE_UNVERIFIED',
    ]);
  }, 60_000);

  it('falls back when the store fails, and never throws', async () => {
    const query = await queryOf(await photo('photo-chelsea.jpg'));
    const failing: OrbFeatureStore = { get: () => Promise.reject(new Error('ECONNREFUSED')) };
    const logged: IntegrityError[] = [];
    const v = await verifyCandidate(query, { contentKey: 'x', distance: 0.1 }, failing, RULE, (e) =>
      logged.push(e),
    );
    expect(v).toMatchObject({
      matched: true,
      by: 'embedding',
      reason: 'store-failed',
      code: 'IW_NEAR_DUPLICATE_UNVERIFIED',
    });
    expect(logged[0]?.code).toBe('IW_NEAR_DUPLICATE_UNVERIFIED');
  }, 60_000);

  it('rejects a fit no copy has, whatever its inlier count, and says why', async () => {
    // 150 keypoints whose descriptors all match, at mirrored positions in the query's direct view;
    // its mirrored view has unrelated descriptors.
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pts = Array.from({ length: 150 }, () => [16 + 480 * next(), 16 + 480 * next()] as const);
    const des = Uint8Array.from({ length: 32 * 150 }, () => Math.floor(256 * next()));
    const at = (p: readonly (readonly [number, number])[], d: Uint8Array): OrbFeatures => ({
      count: p.length,
      points: Float32Array.from(p.flat()),
      descriptors: d,
    });
    const indexed = at(pts, des);
    const query: QueryFeatures = {
      direct: at(
        pts.map(([x, y]) => [512 - x, y] as const),
        des,
      ),
      mirrored: at(
        pts,
        Uint8Array.from(des, (b) => b ^ 0x5a),
      ),
    };
    const v = await verifyCandidate(
      query,
      { contentKey: 'k', distance: 0.05 },
      storeOf({ k: indexed }),
      RULE,
    );
    expect(v).toEqual({ matched: false, by: 'orb', inliers: 0, rejected: 'mirrored' });
  });

  it('SERVED_VERIFICATION_RULE is the rule the evaluation last chose on the fixture photos', async () => {
    const { orb } = JSON.parse(await readFile('models/image-safety/1/near-duplicates.json', 'utf8')) as {
      orb: { constantsAgree: boolean; chosen: { k: number; looseDistance: number; minInliers: number } };
    };
    expect(orb.constantsAgree).toBe(true);
    expect(SERVED_VERIFICATION_RULE).toMatchObject({
      candidates: orb.chosen.k,
      looseDistance: Number(orb.chosen.looseDistance.toFixed(4)),
      minInliers: orb.chosen.minInliers,
    });
  });

  it('leaves images with few keypoints (flat graphics) to the embedding', async () => {
    const query = await queryOf(await photo('photo-chelsea.jpg'));
    const flat: OrbFeatures = { count: 3, points: new Float32Array(6), descriptors: new Uint8Array(96) };
    const v = await verifyCandidate(query, { contentKey: 'flat', distance: 0.12 }, storeOf({ flat }), RULE);
    expect(v).toMatchObject({ matched: true, by: 'embedding', reason: 'few-keypoints' });
  }, 60_000);
});

describe('ORB features as bytes', () => {
  it('round-trips and rejects a wrong length with a code', async () => {
    const f = (await queryOf(await photo('photo-coffee.jpg'))).direct;
    const bytes = encodeOrbFeatures(f);
    expect(bytes.length).toBe(4 + 40 * f.count);
    const back = decodeOrbFeatures(bytes);
    expect(back.count).toBe(f.count);
    expect([...back.points]).toEqual([...f.points]);
    expect([...back.descriptors]).toEqual([...f.descriptors]);
    expect(() => decodeOrbFeatures(bytes.subarray(0, bytes.length - 1))).toThrow(
      expect.objectContaining({ code: 'IW_NEAR_DUPLICATE_UNVERIFIED' }),
    );
  }, 60_000);
});
