import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NearDuplicateIndex } from '../../../src/neighbours/near-duplicate-index.js';
import { cosineDistance, l2Normalize } from '../../../src/neighbours/vector-math.js';
import { seededRandom } from '../../support/random.js';

const DIM = 64;
const random = seededRandom(1);
const vector = () => l2Normalize(Float32Array.from({ length: DIM }, random));
const near = (v: Float32Array, noise: number) => l2Normalize(v.map((x) => x + noise * random()));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-index-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('NearDuplicateIndex', () => {
  it('finds the nearest flagged content with its cosine distance, and nothing when empty', () => {
    const index = new NearDuplicateIndex('image-safety@1', DIM);
    expect(index.nearest(vector())).toBeUndefined();
    const vs = Array.from({ length: 500 }, vector);
    vs.forEach((v, i) =>
      index.upsert({ contentKey: `sha256:${i}`, pinId: `pin-${i}`, decision: 'BLOCK' }, v),
    );
    const query = near(vs[123]!, 0.02);
    const match = index.nearest(query)!;
    expect(match).toMatchObject({ contentKey: 'sha256:123', pinId: 'pin-123', decision: 'BLOCK' });
    expect(match.distance).toBeCloseTo(cosineDistance(query, vs[123]!), 5);
  });

  it('keeps one vector per content key; a later record changes its decision', () => {
    const index = new NearDuplicateIndex('m@1', DIM);
    const v = vector();
    index.upsert({ contentKey: 'sha256:a', pinId: 'pin-1', decision: 'REVIEW' }, v);
    index.upsert({ contentKey: 'sha256:a', pinId: 'pin-2', decision: 'BLOCK' }, v);
    expect(index.size).toBe(1);
    expect(index.nearest(v)).toMatchObject({ pinId: 'pin-2', decision: 'BLOCK' });
  });

  it('refuses a vector of another dimension with IW_EMBEDDING_INVALID, as l2Normalize refuses zeros', () => {
    const index = new NearDuplicateIndex('m@1', DIM);
    expect(() =>
      index.upsert({ contentKey: 'k', pinId: 'p', decision: 'BLOCK' }, new Float32Array(3)),
    ).toThrow(expect.objectContaining({ code: 'IW_EMBEDDING_INVALID' }));
    expect(() => l2Normalize(new Float32Array(4))).toThrow(
      expect.objectContaining({ code: 'IW_EMBEDDING_INVALID' }),
    );
    expect(() => l2Normalize(Float32Array.of(1, Number.NaN))).toThrow(
      expect.objectContaining({ code: 'IW_EMBEDDING_INVALID' }),
    );
  });

  it('restores a snapshot with its entries and topic position; another model starts empty', async () => {
    const index = new NearDuplicateIndex('m@1', DIM);
    const vs = Array.from({ length: 50 }, vector);
    vs.forEach((v, i) => index.upsert({ contentKey: `k${i}`, pinId: `p${i}`, decision: 'REVIEW' }, v));
    index.position = { 0: '42', 2: '7' };
    await index.snapshot(dir);
    const back = await NearDuplicateIndex.restore(dir, 'm@1', DIM);
    expect(back.size).toBe(50);
    expect(back.position).toEqual({ 0: '42', 2: '7' });
    expect(back.nearest(vs[17]!)).toMatchObject({ contentKey: 'k17' });
    // New content after a restore gets new keys, never one of the restored ones.
    const extra = vector();
    back.upsert({ contentKey: 'new', pinId: 'pn', decision: 'BLOCK' }, extra);
    expect(back.nearest(vs[17]!)).toMatchObject({ contentKey: 'k17' });
    expect(back.nearest(extra)).toMatchObject({ contentKey: 'new' });
    expect((await NearDuplicateIndex.restore(dir, 'm@2', DIM)).size).toBe(0);
    expect((await NearDuplicateIndex.restore(join(dir, 'none'), 'm@1', DIM)).size).toBe(0);
  });
});
