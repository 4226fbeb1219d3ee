import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  indexKey,
  NearDuplicateIndex,
  type IndexedContent,
} from '../../../src/neighbours/near-duplicate-index.js';
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

  it("keys a video's frames by content key and frame index; a match names the video and the frame", () => {
    expect(indexKey({ contentKey: 'sha256:v' })).toBe('sha256:v');
    expect(indexKey({ contentKey: 'sha256:v', frame: { index: 3, timestampMs: 1500 } })).toBe('sha256:v#3');
    const index = new NearDuplicateIndex('m@1', DIM);
    const frames = Array.from({ length: 16 }, vector);
    frames.forEach((v, i) =>
      index.upsert(
        {
          contentKey: 'sha256:v',
          pinId: 'video',
          decision: 'BLOCK',
          frame: { index: i, timestampMs: 500 * i },
        },
        v,
      ),
    );
    // An image under the same content key (an old one-vector record) is a key of its own too.
    index.upsert({ contentKey: 'sha256:v', pinId: 'video', decision: 'BLOCK' }, vector());
    expect(index.size).toBe(17);
    expect(index.nearest(near(frames[9]!, 0.02))).toMatchObject({
      contentKey: 'sha256:v',
      pinId: 'video',
      decision: 'BLOCK',
      frame: { index: 9, timestampMs: 4500 },
    });
    // The same frame again re-decides it, never a second vector.
    index.upsert(
      { contentKey: 'sha256:v', pinId: 'repin', decision: 'REVIEW', frame: { index: 9, timestampMs: 4500 } },
      frames[9]!,
    );
    expect(index.size).toBe(17);
    expect(index.nearest(frames[9]!)).toMatchObject({
      pinId: 'repin',
      decision: 'REVIEW',
      frame: { index: 9 },
    });
  });

  it('restores the frames of a video from a snapshot under their own keys', async () => {
    const index = new NearDuplicateIndex('m@1', DIM);
    const frames = Array.from({ length: 4 }, vector);
    frames.forEach((v, i) =>
      index.upsert(
        {
          contentKey: 'sha256:v',
          pinId: 'video',
          decision: 'BLOCK',
          frame: { index: i, timestampMs: 40 * i },
        },
        v,
      ),
    );
    await index.snapshot(dir);
    const back = await NearDuplicateIndex.restore(dir, 'm@1', DIM);
    expect(back.size).toBe(4);
    expect(back.nearest(frames[2]!)).toMatchObject({ frame: { index: 2, timestampMs: 80 } });
    // A restored frame key re-decides, never adds.
    back.upsert(
      { contentKey: 'sha256:v', pinId: 'video', decision: 'REVIEW', frame: { index: 2, timestampMs: 80 } },
      frames[2]!,
    );
    expect(back.size).toBe(4);
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

  it('adds a batch with upsertMany: one vector per content key, the latest decision wins', () => {
    const index = new NearDuplicateIndex('m@1', DIM);
    const vs = Array.from({ length: 200 }, vector);
    index.upsert({ contentKey: 'k0', pinId: 'p0', decision: 'REVIEW' }, vs[0]!);
    const contents: IndexedContent[] = vs.map((_, i) => ({
      contentKey: `k${i}`,
      pinId: `p${i}`,
      decision: 'BLOCK',
    }));
    contents.push({ contentKey: 'k5', pinId: 'again', decision: 'REVIEW' });
    const matrix = new Float32Array(contents.length * DIM);
    [...vs, vector()].forEach((v, i) => matrix.set(v, i * DIM));
    // One thread: an HNSW graph built on several is not deterministic (see the next test).
    index.upsertMany(contents, matrix, 1);
    expect(index.size).toBe(200);
    expect(index.nearest(vs[0]!)).toMatchObject({ contentKey: 'k0', decision: 'BLOCK' });
    expect(index.nearest(vs[5]!)).toMatchObject({ contentKey: 'k5', pinId: 'again', decision: 'REVIEW' });
    expect(index.nearest(near(vs[150]!, 0.02))).toMatchObject({ contentKey: 'k150' });
    expect(() => index.upsertMany(contents.slice(0, 2), matrix.subarray(0, DIM))).toThrowError(
      expect.objectContaining({ code: 'IW_EMBEDDING_INVALID' }),
    );
  });

  it('builds on two threads with recall@1 of its own vectors at least 0.97', () => {
    // Concurrent HNSW insertion links some nodes poorly: measured on 200 positive random vectors of 64
    // dimensions, 3-4 of 2,000 exact-vector queries missed on two threads, 0 on one. The bound
    // leaves room for that and still fails on a build that loses vectors or keys.
    const index = new NearDuplicateIndex('m@1', DIM);
    const vs = Array.from({ length: 200 }, vector);
    const matrix = new Float32Array(vs.length * DIM);
    vs.forEach((v, i) => matrix.set(v, i * DIM));
    index.upsertMany(
      vs.map((_, i) => ({ contentKey: `k${i}`, pinId: `p${i}`, decision: 'BLOCK' })),
      matrix,
      2,
    );
    expect(index.size).toBe(200);
    const hits = vs.filter((v, i) => index.nearest(v)?.contentKey === `k${i}`).length;
    expect(hits / vs.length).toBeGreaterThanOrEqual(0.97);
  });

  it('stores f16 in half the bytes of f32 with distances within 1e-3, and snapshots its kind', async () => {
    const vs = Array.from({ length: 300 }, vector);
    const sizes: Record<string, number> = {};
    for (const scalar of ['f32', 'f16'] as const) {
      const index = new NearDuplicateIndex('m@1', DIM, scalar);
      vs.forEach((v, i) => index.upsert({ contentKey: `k${i}`, pinId: `p${i}`, decision: 'BLOCK' }, v));
      const q = near(vs[42]!, 0.05);
      const match = index.nearest(q)!;
      expect(match.contentKey).toBe('k42');
      expect(Math.abs(match.distance - cosineDistance(q, vs[42]!))).toBeLessThan(1e-3);
      await index.snapshot(join(dir, scalar));
      sizes[scalar] = (await stat(join(dir, scalar, 'index.usearch'))).size;
      const meta = JSON.parse(await readFile(join(dir, scalar, 'meta.json'), 'utf8')) as object;
      expect(meta).toMatchObject({ version: 2, scalar });
      const back = await NearDuplicateIndex.restore(join(dir, scalar), 'm@1', DIM, scalar);
      expect(back.scalar).toBe(scalar);
      expect(back.nearest(q)).toMatchObject({ contentKey: 'k42' });
    }
    expect(sizes.f32! - sizes.f16!).toBe(300 * DIM * 2);
  });

  it('leaves a snapshot of another scalar kind unloaded: an empty index at the configured kind, read from the start', async () => {
    const index = new NearDuplicateIndex('m@1', DIM, 'f16');
    index.upsert({ contentKey: 'k', pinId: 'p', decision: 'BLOCK' }, vector());
    index.position = { 0: '9' };
    await index.snapshot(dir);
    for (const scalar of ['f32', 'i8'] as const) {
      const other = await NearDuplicateIndex.restore(dir, 'm@1', DIM, scalar);
      expect([other.size, other.scalar, other.discardedScalar, other.position]).toEqual([
        0,
        scalar,
        'f16',
        {},
      ]);
    }
    const same = await NearDuplicateIndex.restore(dir, 'm@1', DIM, 'f16');
    expect([same.size, same.discardedScalar, same.position]).toEqual([1, undefined, { 0: '9' }]);
  });

  it('reads a version 1 snapshot (before the scalar option) as f32', async () => {
    const index = new NearDuplicateIndex('m@1', DIM);
    const v = vector();
    index.upsert({ contentKey: 'k', pinId: 'p', decision: 'BLOCK' }, v);
    index.position = { 0: '3' };
    await index.snapshot(dir);
    const { scalar: _scalar, ...meta } = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as {
      scalar: string;
    };
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ ...meta, version: 1 }));
    const back = await NearDuplicateIndex.restore(dir, 'm@1', DIM);
    expect(back.nearest(v)).toMatchObject({ contentKey: 'k' });
    expect(back.position).toEqual({ 0: '3' });
    expect((await NearDuplicateIndex.restore(dir, 'm@1', DIM, 'f16')).discardedScalar).toBe('f32');
  });
});
