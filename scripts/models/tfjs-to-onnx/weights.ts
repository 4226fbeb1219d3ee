/** One weight of a tfjs weights manifest, as stored: either plain float32 or uint8 with min/scale. */
export interface TfjsWeight {
  readonly name: string;
  readonly shape: readonly number[];
  /** Raw float32 values when the weight is not quantized. */
  readonly float32?: Float32Array;
  /** Quantized values, dequantized by tfjs as `q * scale + min`. */
  readonly uint8?: { readonly data: Uint8Array; readonly min: number; readonly scale: number };
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

export interface TfjsWeightsManifestGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/**
 * Splits the concatenated shard bytes into named weights, following tfjs `io.decodeWeights`: weights
 * are laid out back to back in manifest order, float32 little-endian or one byte per quantized value.
 */
export function decodeWeights(manifest: readonly TfjsWeightsManifestGroup[], data: Uint8Array): Map<string, TfjsWeight> {
  const weights = new Map<string, TfjsWeight>();
  let offset = 0;
  for (const spec of manifest.flatMap((group) => group.weights)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype !== 'float32') throw new Error(`weight ${spec.name}: dtype ${spec.dtype} is not supported`);
    const q = spec.quantization;
    if (q) {
      if (q.dtype !== 'uint8' || q.min === undefined || q.scale === undefined) {
        throw new Error(`weight ${spec.name}: quantization ${JSON.stringify(q)} is not supported`);
      }
      const bytes = data.slice(offset, offset + size);
      weights.set(spec.name, { name: spec.name, shape: spec.shape, uint8: { data: bytes, min: q.min, scale: q.scale } });
      offset += size;
    } else {
      const copy = data.slice(offset, offset + size * 4);
      weights.set(spec.name, { name: spec.name, shape: spec.shape, float32: new Float32Array(copy.buffer) });
      offset += size * 4;
    }
  }
  if (offset !== data.length) throw new Error(`weights use ${offset} bytes but the shards hold ${data.length}`);
  return weights;
}

/** The float32 values tfjs computes for a weight (the double product rounded once, as tfjs does). */
export function dequantize(weight: TfjsWeight): Float32Array {
  if (weight.float32) return weight.float32;
  const q = weight.uint8!;
  return Float32Array.from(q.data, (v) => v * q.scale + q.min);
}

/** Permutes a row-major tensor's elements; works on any typed array of one element per value. */
export function permute<T extends Float32Array | Uint8Array>(values: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i]!;
  }
  const out = new (values.constructor as new (n: number) => T)(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < values.length; o++) {
    let src = 0;
    for (let i = 0; i < rank; i++) src += index[i]! * inStrides[perm[i]!]!;
    out[o] = values[src]!;
    for (let i = rank - 1; i >= 0; i--) {
      if (++index[i]! < outShape[i]!) break;
      index[i] = 0;
    }
  }
  return out;
}
