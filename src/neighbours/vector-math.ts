/** Small vector helpers shared by the embedding signal and the near-duplicate index. */
import { IntegrityError } from '../errors.js';

/**
 * `v` scaled to unit L2 norm, in place (and returned). IW_EMBEDDING_INVALID for a non-finite value
 * or a zero vector, which has no direction to compare.
 */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) {
    if (!Number.isFinite(x))
      throw new IntegrityError('IW_EMBEDDING_INVALID', 'embedding has a non-finite value');
    sum += x * x;
  }
  if (sum === 0) throw new IntegrityError('IW_EMBEDDING_INVALID', 'embedding is all zeros');
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * scale;
  return v;
}

/** 1 - cosine similarity of two unit vectors (0 = same direction, 2 = opposite). */
export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return 1 - dot;
}
