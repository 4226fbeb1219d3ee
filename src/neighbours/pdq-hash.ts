/**
 * PDQ, the 256-bit perceptual image hash that trust-and-safety hash-sharing programs exchange
 * (Meta's reference: facebook/ThreatExchange pdq/cpp). A port of `pdqHash256FromFloatLuma` in float32
 * arithmetic, in the reference's order of operations, so that our hashes equal the reference's
 * (test/unit/neighbours/pdq-hash.test.ts compares with PyPI `pdqhash` 0.2.8 on 32 shared inputs):
 * RGB -> luma, two passes of a Jarosz tent filter (box filters along rows then columns), decimation to
 * 64x64, a 16x16 DCT without the DC row/column, one bit per coefficient above the median.
 * Matching rule used with PDQ: Hamming distance <= 31 of 256 bits; `quality` (0-100) below ~50
 * marks an image too flat to hash usefully.
 */
const f = Math.fround;

export interface PdqHash {
  /** 32 bytes: bit k (k = 16 * row + column of the 16x16 DCT) is bit (k % 8) of byte k >> 3. */
  readonly bits: Uint8Array;
  /** Gradient-based quality in 0..100. */
  readonly quality: number;
}

/** Images narrower or shorter than this hash to all zeros with quality 0, as in the reference. */
const MIN_HASHABLE_DIM = 5;

/** PDQ of packed 8-bit RGB pixels (`width * height * 3` bytes, row-major). */
export function pdqHash(rgb: Uint8Array, width: number, height: number): PdqHash {
  const n = width * height;
  if (rgb.length !== n * 3 || n === 0) throw new RangeError(`want ${n * 3} RGB bytes, got ${rgb.length}`);
  if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) return { bits: new Uint8Array(32), quality: 0 };
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // Luma in double, rounded once to float32: what PyPI pdqhash feeds the C++ (whose own CLI sums in
    // float32; the two differ by at most an ulp of luma).
    a[i] = f(rgb[3 * i]! * 0.299 + rgb[3 * i + 1]! * 0.587 + rgb[3 * i + 2]! * 0.114);
  }
  const b = new Float32Array(n);
  const windowAlongRows = jaroszWindow(width);
  const windowAlongCols = jaroszWindow(height);
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < height; r++) box1d(a, b, r * width, width, 1, windowAlongRows);
    for (let c = 0; c < width; c++) box1d(b, a, c, height, width, windowAlongCols);
  }
  const small = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) {
    const ini = Math.trunc(((i + 0.5) * height) / 64);
    for (let j = 0; j < 64; j++) small[i * 64 + j] = a[ini * width + Math.trunc(((j + 0.5) * width) / 64)]!;
  }
  const quality = qualityOf(small);
  const dct = dct64To16(small);
  const median = lowerMedian(dct);
  const bits = new Uint8Array(32);
  for (let k = 0; k < 256; k++) if (dct[k]! > median) bits[k >> 3]! |= 1 << (k & 7);
  return { bits, quality };
}

/** Hamming distance of two 256-bit hashes. */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]! ^ b[i]!;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
}

/** The reference's hex form: 16 words of 16 bits, the last word first. */
export function pdqHex(bits: Uint8Array): string {
  let hex = '';
  for (let w = 15; w >= 0; w--) hex += (bits[2 * w]! | (bits[2 * w + 1]! << 8)).toString(16).padStart(4, '0');
  return hex;
}

const jaroszWindow = (dimension: number) => Math.trunc((dimension + 2 * 64 - 1) / (2 * 64));

/** The reference's box1DFloat: a running sum, smaller windows at both ends. */
function box1d(
  input: Float32Array,
  output: Float32Array,
  start: number,
  length: number,
  stride: number,
  full: number,
): void {
  const half = Math.trunc((full + 2) / 2);
  const phase1 = half - 1;
  const phase2 = full - half + 1;
  const phase3 = length - full;
  const phase4 = half - 1;
  let li = start;
  let ri = start;
  let oi = start;
  let sum = 0;
  let size = 0;
  for (let i = 0; i < phase1; i++) {
    sum = f(sum + input[ri]!);
    size++;
    ri += stride;
  }
  for (let i = 0; i < phase2; i++) {
    sum = f(sum + input[ri]!);
    size++;
    output[oi] = f(sum / size);
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase3; i++) {
    sum = f(sum + input[ri]!);
    sum = f(sum - input[li]!);
    output[oi] = f(sum / size);
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase4; i++) {
    sum = f(sum - input[li]!);
    size--;
    output[oi] = f(sum / size);
    li += stride;
    oi += stride;
  }
}

function qualityOf(small: Float32Array): number {
  let gradient = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      gradient += Math.abs(Math.trunc(f(f(f(small[i * 64 + j]! - small[(i + 1) * 64 + j]!) * 100) / 255)));
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      gradient += Math.abs(Math.trunc(f(f(f(small[i * 64 + j]! - small[i * 64 + j + 1]!) * 100) / 255)));
    }
  }
  return Math.min(100, Math.trunc(gradient / 90));
}

let dctMatrix: Float32Array | undefined;
function matrix(): Float32Array {
  if (dctMatrix) return dctMatrix;
  dctMatrix = new Float32Array(16 * 64);
  const scale = f(Math.sqrt(2 / 64)); // a float in the reference, multiplied by a double cosine
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++)
      dctMatrix[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
  }
  return dctMatrix;
}

/** D A D^T with D the 16x64 DCT-II rows 1..16, summed in float32 like the reference. */
function dct64To16(a: Float32Array): Float32Array {
  const d = matrix();
  const t = new Float32Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = f(sum + f(d[i * 64 + k]! * a[k * 64 + j]!));
      t[i * 64 + j] = sum;
    }
  }
  const out = new Float32Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = f(sum + f(t[i * 64 + k]! * d[j * 64 + k]!));
      out[i * 16 + j] = sum;
    }
  }
  return out;
}

/** The (n+1)/2-th smallest value, which Torben's median in the reference returns. */
function lowerMedian(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.trunc((values.length + 1) / 2) - 1]!;
}
