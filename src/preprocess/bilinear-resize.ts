/**
 * A port of tfjs `tf.image.resizeBilinear(images, size, alignCorners = true)` (CPU kernel, no half-pixel
 * centres, no antialiasing) that reads 8-bit interleaved pixels and writes normalized float32 straight
 * into the caller's buffer.
 *
 * `lut[channel * 256 + value]` holds the normalized float32 of each 8-bit value: tfjs nsfwjs divides by
 * 255 in float32 before resizing, and the interpolation below uses the same formula, operand order and
 * float64 intermediates as the tfjs kernel, so the output matches it bit for bit.
 */
export function resizeBilinearAlignCorners(
  src: Uint8Array,
  srcWidth: number,
  srcHeight: number,
  channels: number,
  dstWidth: number,
  dstHeight: number,
  lut: Float32Array,
  out: Float32Array,
  offset: number,
): void {
  if (src.length < srcWidth * srcHeight * channels)
    throw new RangeError('source smaller than its dimensions');
  if (out.length < offset + dstWidth * dstHeight * channels) throw new RangeError('output buffer too small');
  const rows = axisTable(srcHeight, dstHeight, srcWidth * channels);
  const cols = axisTable(srcWidth, dstWidth, channels);
  if (channels === 3) return resizeRgb(src, rows, cols, dstWidth, dstHeight, lut, out, offset);
  let o = offset;
  for (let r = 0; r < dstHeight; r++) {
    const top = rows.lo[r]!;
    const bottom = rows.hi[r]!;
    const rowFrac = rows.frac[r]!;
    for (let c = 0; c < dstWidth; c++) {
      const left = cols.lo[c]!;
      const right = cols.hi[c]!;
      const colFrac = cols.frac[c]!;
      for (let d = 0; d < channels; d++) {
        const base = d * 256;
        const topLeft = lut[base + src[top + left + d]!]!;
        const topRight = lut[base + src[top + right + d]!]!;
        const bottomLeft = lut[base + src[bottom + left + d]!]!;
        const bottomRight = lut[base + src[bottom + right + d]!]!;
        const t = topLeft + (topRight - topLeft) * colFrac;
        const b = bottomLeft + (bottomRight - bottomLeft) * colFrac;
        out[o++] = t + (b - t) * rowFrac;
      }
    }
  }
}

type AxisTable = ReturnType<typeof axisTable>;

/**
 * The loop above for RGB with the channel loop unrolled and each corner's offset computed once per
 * output pixel: the same lookups, formula and operand order (so the same bits), 0.84 -> 0.62 ms for a
 * 600 x 450 image to 224 x 224 on a quiet core (the resize was a fifth of a cold run's main thread).
 */
function resizeRgb(
  src: Uint8Array,
  rows: AxisTable,
  cols: AxisTable,
  dstWidth: number,
  dstHeight: number,
  lut: Float32Array,
  out: Float32Array,
  offset: number,
): void {
  const { lo: colLo, hi: colHi, frac: colFracs } = cols;
  let o = offset;
  for (let r = 0; r < dstHeight; r++) {
    const top = rows.lo[r]!;
    const bottom = rows.hi[r]!;
    const rowFrac = rows.frac[r]!;
    for (let c = 0; c < dstWidth; c++) {
      const tl = top + colLo[c]!;
      const tr = top + colHi[c]!;
      const bl = bottom + colLo[c]!;
      const br = bottom + colHi[c]!;
      const f = colFracs[c]!;
      // Red, green, blue: topLeft a, topRight b, bottomLeft x, bottomRight y; then top t, bottom u.
      // Written out per channel on purpose: a loop over the three channels ran at 0.84 ms per
      // 600x450 image against 0.62 (BENCHMARKS.md, session 8-9).
      let a = lut[src[tl]!]!;
      let b = lut[src[tr]!]!;
      let x = lut[src[bl]!]!;
      let y = lut[src[br]!]!;
      let t = a + (b - a) * f;
      let u = x + (y - x) * f;
      out[o] = t + (u - t) * rowFrac;
      a = lut[256 + src[tl + 1]!]!;
      b = lut[256 + src[tr + 1]!]!;
      x = lut[256 + src[bl + 1]!]!;
      y = lut[256 + src[br + 1]!]!;
      t = a + (b - a) * f;
      u = x + (y - x) * f;
      out[o + 1] = t + (u - t) * rowFrac;
      a = lut[512 + src[tl + 2]!]!;
      b = lut[512 + src[tr + 2]!]!;
      x = lut[512 + src[bl + 2]!]!;
      y = lut[512 + src[br + 2]!]!;
      t = a + (b - a) * f;
      u = x + (y - x) * f;
      out[o + 2] = t + (u - t) * rowFrac;
      o += 3;
    }
  }
}

/** Per output index along one axis: source offsets (already multiplied by the stride) and weight. */
function axisTable(srcSize: number, dstSize: number, stride: number) {
  const lo = new Int32Array(dstSize);
  const hi = new Int32Array(dstSize);
  const frac = new Float64Array(dstSize);
  const ratio = dstSize > 1 ? (srcSize - 1) / (dstSize - 1) : srcSize / dstSize;
  for (let i = 0; i < dstSize; i++) {
    const source = ratio * i;
    const floor = Math.max(0, Math.floor(source));
    lo[i] = floor * stride;
    hi[i] = Math.min(srcSize - 1, Math.ceil(source)) * stride;
    frac[i] = source - floor;
  }
  return { lo, hi, frac };
}

/** The lookup table of normalized values: `(value * scale - mean[c]) / std[c]`, rounded to float32. */
export function normalizationTable(
  scale: number,
  mean: readonly number[],
  std: readonly number[],
): Float32Array {
  const lut = new Float32Array(mean.length * 256);
  for (let c = 0; c < mean.length; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v * scale - mean[c]!) / std[c]!;
  }
  return lut;
}
