import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import {
  decodeOrbFeatures,
  SERVED_VERIFICATION_RULE,
} from '../../../src/neighbours/near-duplicate-verification.js';
import { OrbFeatureIndexer, type OrbFeatureWrite } from '../../../src/neighbours/orb-feature-indexer.js';
import type { OrbFeatures } from '../../../src/neighbours/orb-verifier.js';

const features: OrbFeatures = {
  count: 2,
  points: Float32Array.from([1, 2, 3, 4]),
  descriptors: Uint8Array.from({ length: 64 }, (_, i) => i),
};

function memoryStore(fail?: 'has' | 'set') {
  const entries = new Map<string, Uint8Array>();
  return {
    entries,
    has: async (key: string) => {
      if (fail === 'has') throw new Error('ECONNREFUSED');
      return entries.has(key);
    },
    set: async (key: string, bytes: Uint8Array) => {
      if (fail === 'set') throw new Error('ECONNREFUSED');
      entries.set(key, bytes);
    },
  };
}

describe('OrbFeatureIndexer', () => {
  it('stores the features of new content once, and reads no image for content already stored', async () => {
    const store = memoryStore();
    let extracted = 0;
    let images = 0;
    const seen: OrbFeatureWrite[] = [];
    const indexer = new OrbFeatureIndexer({ index: async () => (extracted++, features) }, store, (r) =>
      seen.push(r),
    );
    const image = async () => (images++, new Uint8Array([1]));
    expect(await indexer.index('sha256:a', image)).toBe('written');
    expect(await indexer.index('sha256:a', image)).toBe('exists');
    expect(seen).toEqual(['written', 'exists']);
    expect([extracted, images]).toEqual([1, 1]);
    expect(decodeOrbFeatures(store.entries.get('sha256:a')!)).toEqual(features);
  });

  it('never rejects: a failing store, extraction or image is counted as failed with a code', async () => {
    const failures: [OrbFeatureWrite, string | undefined][] = [];
    const observe = (r: OrbFeatureWrite, e?: { code: string }) => failures.push([r, e?.code]);
    const ok = { index: async () => features };
    const image = async () => new Uint8Array([1]);
    await new OrbFeatureIndexer(ok, memoryStore('has'), observe).index('k', image);
    await new OrbFeatureIndexer(ok, memoryStore('set'), observe).index('k', image);
    await new OrbFeatureIndexer(
      { index: () => Promise.reject(new Error('x')) },
      memoryStore(),
      observe,
    ).index('k', image);
    await new OrbFeatureIndexer(ok, memoryStore(), observe).index('k', () =>
      Promise.reject(new Error('404')),
    );
    expect(failures).toEqual(Array(4).fill(['failed', 'IW_NEAR_DUPLICATE_UNVERIFIED']));
  });
});

describe('SERVED_VERIFICATION_RULE', () => {
  it("falls back to the served embedding threshold: NEAR_DUPLICATE_MAX_DISTANCE's default is its strict distance", () => {
    const config = loadConfig({});
    expect(config.NEAR_DUPLICATE_MAX_DISTANCE).toBe(SERVED_VERIFICATION_RULE.strictDistance);
    expect(config.NEAR_DUPLICATE_VERIFIER).toBe('orb');
  });
});
