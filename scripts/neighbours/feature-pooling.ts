/**
 * Poolings of one [C, H, W] activation map (MobileNetV2's out_relu, 1280x7x7) into one vector, as the
 * instance-retrieval literature builds them (GeM: Radenovic et al. 2018; MAC and R-MAC: Tolias et al.
 * 2016), and a centering / PCA whitening learned on a few vectors. Evaluation code only: the worker
 * serves none of these (see models/image-safety/1/NEAR-DUPLICATES.md for why).
 */
import { l2Normalize } from '../../src/neighbours/vector-math.js';

export interface FeatureMap {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** Per channel, the maximum over the box [y, y + h) x [x, x + w). */
function boxMax(m: FeatureMap, y: number, x: number, h: number, w: number): Float32Array {
  const out = new Float32Array(m.channels).fill(-Infinity);
  const plane = m.height * m.width;
  for (let c = 0; c < m.channels; c++)
    for (let i = y; i < y + h; i++)
      for (let j = x; j < x + w; j++) out[c] = Math.max(out[c]!, m.data[c * plane + i * m.width + j]!);
  return out;
}

/** Generalized mean over the spatial cells, (mean of max(x, eps)^p)^(1/p): p = 1 is average pooling. */
export function gemPool(m: FeatureMap, p: number, eps = 1e-6): Float32Array {
  const out = new Float32Array(m.channels);
  const plane = m.height * m.width;
  for (let c = 0; c < m.channels; c++) {
    let sum = 0;
    for (let k = 0; k < plane; k++) sum += Math.max(m.data[c * plane + k]!, eps) ** p;
    out[c] = (sum / plane) ** (1 / p);
  }
  return out;
}

/** Maximum activation of each channel (MAC). */
export const macPool = (m: FeatureMap): Float32Array => boxMax(m, 0, 0, m.height, m.width);

/**
 * R-MAC: MAC of square regions at `levels` scales (side floor(2 min(H, W) / (l + 1)), l x l regions
 * evenly spaced), each L2-normalised, summed.
 */
export function rmacPool(m: FeatureMap, levels = 3): Float32Array {
  const out = new Float32Array(m.channels);
  const side = Math.min(m.height, m.width);
  for (let l = 1; l <= levels; l++) {
    const w = Math.floor((2 * side) / (l + 1));
    const starts = (extent: number) =>
      l === 1
        ? [Math.floor((extent - w) / 2)]
        : Array.from({ length: l }, (_, i) => Math.round(((extent - w) / (l - 1)) * i));
    for (const y of starts(m.height))
      for (const x of starts(m.width)) {
        const r = l2Normalize(boxMax(m, y, x, w, w));
        for (let c = 0; c < m.channels; c++) out[c] = out[c]! + r[c]!;
      }
  }
  return out;
}

/** Eigen-decomposition of a small symmetric matrix (cyclic Jacobi): eigenvalues and column eigenvectors. */
function symmetricEigen(a: Float64Array[], sweeps = 100): { values: number[]; vectors: Float64Array[] } {
  const n = a.length;
  const m = a.map((row) => Float64Array.from(row));
  const v = Array.from({ length: n }, (_, i) =>
    Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let s = 0; s < sweeps; s++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p]![q]! ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p]![q]!) < 1e-300) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * m[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - sn * mkq;
          m[k]![q] = sn * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - sn * mqk;
          m[q]![k] = sn * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - sn * vkq;
          v[k]![q] = sn * vkp + c * vkq;
        }
      }
  }
  return { values: m.map((row, i) => row[i]!), vectors: v };
}

/**
 * A map x -> (x - mean) projected on the principal axes of `samples` (unit vectors), each axis
 * divided by its singular value when `whiten` (else centering alone). From the n x n Gram matrix, so
 * n samples of any dimension cost O(n^2 d); at most n - 1 axes exist.
 */
export function learnWhitening(
  samples: readonly Float32Array[],
  whiten: boolean,
): (x: Float32Array) => Float32Array {
  const n = samples.length;
  const d = samples[0]!.length;
  const mean = new Float64Array(d);
  for (const s of samples) for (let i = 0; i < d; i++) mean[i] = mean[i]! + s[i]! / n;
  const centred = samples.map((s) => Float64Array.from(s, (x, i) => x - mean[i]!));
  if (!whiten) return (x) => Float32Array.from(x, (v, i) => v - mean[i]!);
  const gram = centred.map((a) =>
    Float64Array.from(centred, (b) => a.reduce((acc, x, i) => acc + x * b[i]!, 0)),
  );
  const { values, vectors } = symmetricEigen(gram);
  const axes: Float64Array[] = [];
  for (const [k, lambda] of values.entries()) {
    if (lambda <= 1e-9 * Math.max(...values)) continue;
    // Right singular vector u_k = X^T v_k / sigma_k; whitening divides by sigma_k once more.
    const axis = new Float64Array(d);
    for (let j = 0; j < n; j++)
      for (let i = 0; i < d; i++) axis[i] = axis[i]! + centred[j]![i]! * vectors[j]![k]!;
    for (let i = 0; i < d; i++) axis[i] = axis[i]! / lambda;
    axes.push(axis);
  }
  return (x) =>
    Float32Array.from(axes, (axis) => axis.reduce((acc, a, i) => acc + a * (x[i]! - mean[i]!), 0));
}
