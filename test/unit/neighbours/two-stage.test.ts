import { describe, expect, it } from 'vitest';
import { type MethodDistances, twoStageRules } from '../../../scripts/neighbours/two-stage.js';

// Four photos (two fixtures, two held out), one edited copy of each; the copy of photo 0 has a wrong
// candidate (photo 1) that the verifier must reject, which sets the verifier's threshold.
const sets = ['fixture', 'fixture', 'extra', 'extra'] as const;
const queries = sets.map((_, photo) => ({ photo, transform: 'jpeg-q70' }));
const far = (n: number, own: number, near: Record<number, number> = {}) =>
  Array.from({ length: n }, (_, j) => (j === own ? 0 : (near[j] ?? 1)));
const method = (
  name: string,
  queryToPhoto: number[][],
  photoToPhoto = sets.map((_, a) => far(4, a)),
): MethodDistances => ({ method: name, unit: 'cosine distance', msPerImage: 2, queryToPhoto, photoToPhoto });

const candidate = method('c', [
  [0.1, 0.09, 1, 1],
  [1, 0.05, 1, 1],
  [1, 1, 0.1, 0.08],
  [1, 1, 0.08, 0.1],
]);
const verifier = method('v', [
  [0.2, 0.6, 1, 1],
  [1, 0.2, 1, 1],
  [1, 1, 0.2, 0.7],
  [1, 1, 0.5, 0.2],
]);

describe('twoStageRules', () => {
  const rules = twoStageRules([candidate, verifier], queries, [...sets]);
  const loose = rules.find((r) => r.candidate === 'c' && r.choice === 'loose')!;

  it('keeps every fixture copy by the candidate threshold and sets the verifier under the closest wrong fixture candidate', () => {
    expect(loose.candidateThreshold).toBe(0.1);
    expect(loose.verifyThreshold).toBeCloseTo(0.6 * 0.999, 9);
    expect(loose.fixture).toMatchObject({ recall: 1, falseMatchQueries: 0, falseMatchPairs: 0 });
  });

  it('counts a held-out copy the verifier lets through as a false match and a miss, and one it rejects as neither', () => {
    // Copy of 2: photo 3 is a nearer candidate, rejected (0.7); copy of 3: photo 2 passes (0.5).
    expect(loose.heldOut).toMatchObject({
      queries: 2,
      recall: 0.5,
      falseMatchQueries: 1,
      falseMatchPairs: 0,
    });
    expect(loose.msPerQuery).toBe(4);
  });

  it('makes a loose and a joint rule for every ordered pair of methods', () => {
    expect(rules.map((r) => `${r.candidate}>${r.verifier}:${r.choice}`)).toEqual([
      'c>v:loose',
      'c>v:joint',
      'v>c:loose',
      'v>c:joint',
    ]);
  });
});
