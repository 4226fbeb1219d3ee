import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../../src/preprocess/fnv1a.js';
import { pinText } from '../../../src/preprocess/pin-text.js';
import { TextFeaturizer } from '../../../src/preprocess/text-features.js';
import { normalizeText } from '../../../src/preprocess/text-normalize.js';
import { isIntegrityError } from '../../../src/errors.js';
import { loadFeatureVectors, loadHeldOut, loadManifest } from './text-fixtures.js';

const spec = loadManifest().preprocess;

describe('TextFeaturizer (iw-text-hash-v1)', () => {
  const featurizer = new TextFeaturizer(spec);

  it('matches the Python featurizer exactly on the shared vectors', () => {
    const vectors = loadFeatureVectors();
    expect(vectors.length).toBeGreaterThan(20);
    for (const v of vectors) {
      const got = featurizer.featurize(v.text);
      expect({ text: v.text, indices: [...got.indices] }).toEqual({ text: v.text, indices: v.indices });
      // Fixture values are float32 numbers written in full; equality is exact.
      expect({ text: v.text, values: [...got.values] }).toEqual({ text: v.text, values: v.values });
    }
  });

  it('matches the Python features of every held-out pin (sha256 of int32 indices + float32 values)', () => {
    for (const pin of loadHeldOut()) {
      const f = featurizer.featurize(pinText({ title: pin.title, description: pin.description, link: '' }));
      const digest = createHash('sha256')
        .update(Buffer.from(Int32Array.from(f.indices).buffer))
        .update(Buffer.from(f.values.buffer))
        .digest('hex');
      expect({ id: pin.id, digest }).toEqual({ id: pin.id, digest: pin.features_sha256 });
    }
  });

  it('hashes with 32-bit FNV-1a over UTF-8', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32('é😀')).toBe(fnv1a32Bytes(Buffer.from('é😀', 'utf8')));
  });

  it('normalizes with NFKC and full lowercasing, and replaces code points unknown to training', () => {
    expect(normalizeText('ＦＵＬＬ ﬁ İ ΟΔΟΣ')).toBe('full fi i\u0307 οδος');
    expect(normalizeText('a\ud800b')).toBe('a\ufffdb');
    expect(normalizeText('x\u{e0080}y')).toBe('x\ufffdy');
  });

  it('turns links into host, domain and TLD features', () => {
    const feats = featurizer.featureStrings('Buy at https://u:p@WWW.Shop.Example.co.uk:8080/a?b=1.');
    expect(feats.slice(0, 5)).toEqual(['x:url', 'h:shop.example.co.uk', 'd:co.uk', 't:uk', 'w:buy']);
    expect(featurizer.featureStrings('http://10.0.0.1/x')).toContain('x:ipurl');
  });

  it('gives an empty vector for text without words', () => {
    const f = featurizer.featurize(' \n!!\n');
    expect(f.indices.length).toBe(0);
    expect(f.values.length).toBe(0);
  });

  it('refuses a manifest for another featurizer', () => {
    expect.assertions(1);
    try {
      new TextFeaturizer({ ...spec, featurizer: 'other' });
    } catch (error) {
      expect(isIntegrityError(error, 'IW_MODEL_MANIFEST')).toBe(true);
    }
  });
});

function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}
