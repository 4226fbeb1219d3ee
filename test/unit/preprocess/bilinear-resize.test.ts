import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizationTable, resizeBilinearAlignCorners } from '../../../src/preprocess/bilinear-resize.js';

function randomPixels(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = s >>> 23;
  }
  return out;
}

/** What nsfwjs does: float, divide by 255, tf.image.resizeBilinear(alignCorners = true). */
function tfjsReference(pixels: Uint8Array, w: number, h: number, dw: number, dh: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor3d(Int32Array.from(pixels), [h, w, 3], 'int32').toFloat().div(tf.scalar(255));
    return tf.image.resizeBilinear(x as tf.Tensor3D, [dh, dw], true).dataSync() as Float32Array;
  });
}

describe('resizeBilinearAlignCorners', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const lut = normalizationTable(1 / 255, [0, 0, 0], [1, 1, 1]);

  it.each([
    [640, 427, 224, 224],
    [97, 301, 224, 224],
    [224, 224, 224, 224],
    [5, 3, 224, 224],
    [1, 1, 7, 7],
    [300, 200, 1, 1],
  ])('matches tfjs bit for bit: %ix%i -> %ix%i', (w, h, dw, dh) => {
    const pixels = randomPixels(w * h * 3, w * 31 + h);
    const out = new Float32Array(dw * dh * 3);
    resizeBilinearAlignCorners(pixels, w, h, 3, dw, dh, lut, out, 0);
    expect(out).toEqual(tfjsReference(pixels, w, h, dw, dh));
  });

  it('looks each channel up in its own part of the table (per-channel mean and std)', () => {
    // The identity table above is the same for every channel; this one is not, so a channel read
    // through another channel's table shows. Reference: the tfjs formula written out per channel.
    const table = normalizationTable(1 / 255, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
    const [w, h, dw, dh] = [131, 77, 224, 224];
    const pixels = randomPixels(w * h * 3, 99);
    const out = new Float32Array(dw * dh * 3);
    resizeBilinearAlignCorners(pixels, w, h, 3, dw, dh, table, out, 0);
    const expected = new Float32Array(dw * dh * 3);
    const rx = (w - 1) / (dw - 1);
    const ry = (h - 1) / (dh - 1);
    for (let r = 0; r < dh; r++)
      for (let c = 0; c < dw; c++)
        for (let d = 0; d < 3; d++) {
          const sy = ry * r;
          const sx = rx * c;
          const [y0, y1, x0, x1] = [
            Math.floor(sy),
            Math.min(h - 1, Math.ceil(sy)),
            Math.floor(sx),
            Math.min(w - 1, Math.ceil(sx)),
          ];
          const at = (y: number, x: number) => table[d * 256 + pixels[(y * w + x) * 3 + d]!]!;
          const t = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (sx - x0);
          const b = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (sx - x0);
          expected[(r * dw + c) * 3 + d] = t + (b - t) * (sy - y0);
        }
    expect(out).toEqual(expected);
  });

  it('writes only its slot of a batch buffer', () => {
    const pixels = randomPixels(20 * 10 * 3, 7);
    const out = new Float32Array(3 * 8 * 8 * 3).fill(-1);
    resizeBilinearAlignCorners(pixels, 20, 10, 3, 8, 8, lut, out, 8 * 8 * 3);
    expect(out.subarray(0, 192).every((v) => v === -1)).toBe(true);
    expect(out.subarray(384).every((v) => v === -1)).toBe(true);
    expect(out.subarray(192, 384).every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('applies mean and std per channel', () => {
    const table = normalizationTable(1 / 255, [0.5, 0, 0.25], [0.5, 1, 0.25]);
    expect(table[0 * 256 + 255]).toBeCloseTo(1, 6);
    expect(table[1 * 256 + 0]).toBe(0);
    expect(table[2 * 256 + 0]).toBeCloseTo(-1, 6);
  });

  it('refuses buffers that are too small', () => {
    expect(() =>
      resizeBilinearAlignCorners(new Uint8Array(10), 4, 4, 3, 2, 2, lut, new Float32Array(12), 0),
    ).toThrow(RangeError);
    expect(() =>
      resizeBilinearAlignCorners(new Uint8Array(48), 4, 4, 3, 2, 2, lut, new Float32Array(12), 1),
    ).toThrow(RangeError);
  });
});
