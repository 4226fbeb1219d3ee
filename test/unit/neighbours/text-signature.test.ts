import { describe, expect, it } from 'vitest';
import { normalizeForSignature, textSignature } from '../../../src/neighbours/text-signature.js';
import { cosineDistance } from '../../../src/neighbours/vector-math.js';

const d = (a: string, b: string) => cosineDistance(textSignature(a)!, textSignature(b)!);

describe('text signature', () => {
  it('folds case, look-alikes, leet, links, handles, hashtags, emoji and numbers', () => {
    expect(normalizeForSignature('FREE Crурtо 🔥 @bob #fyp https://a.b/c 1,000 c0ins 2,968 coins!!')).toBe(
      'free crypto iooo coins # coins',
    );
  });

  it('is the same vector for texts equal after normalization, and near for small edits', () => {
    expect(d('Win a FREE iPhone now!', 'win a free iphone now')).toBeCloseTo(0, 6);
    expect(
      d('Win a free iPhone now, click the link', 'Win a free iPhnoe now click the link today'),
    ).toBeLessThan(0.2);
  });

  it('is far for distinct texts', () => {
    expect(d('Win a free iPhone now, click the link', 'Crockpot pulled pork for game day')).toBeGreaterThan(
      0.6,
    );
  });

  it('is null when nothing is left to compare', () => {
    expect(textSignature('🔥🔥 https://x.y/z #tag')).toBeNull();
    expect(textSignature('ok')).toBeNull();
  });
});
