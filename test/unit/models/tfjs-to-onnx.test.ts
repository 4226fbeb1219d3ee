import { describe, expect, it } from 'vitest';
import { windowPads } from '../../../scripts/models/tfjs-to-onnx/keras-layers.js';
import { readPinnedFiles } from '../../../scripts/models/tfjs-to-onnx/source-files.js';
import { decodeWeights, permute } from '../../../scripts/models/tfjs-to-onnx/weights.js';

describe('converter pieces', () => {
  it('pads like TensorFlow: odd "same" padding goes bottom/right', () => {
    expect(windowPads([224, 224], [3, 3], [1, 1], 'same')).toEqual({ pads: [1, 1, 1, 1], outHw: [224, 224] });
    expect(windowPads([224, 224], [3, 3], [2, 2], 'same')).toEqual({ pads: [0, 0, 1, 1], outHw: [112, 112] });
    expect(windowPads([225, 225], [3, 3], [2, 2], 'valid')).toEqual({ pads: [0, 0, 0, 0], outHw: [112, 112] });
    expect(() => windowPads([8, 8], [3, 3], [1, 1], 'causal')).toThrow();
  });

  it('permutes axes of a row-major tensor', () => {
    // [2,3] -> transpose -> [3,2]
    expect(Array.from(permute(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3], [1, 0]))).toEqual([1, 4, 2, 5, 3, 6]);
    const hwio = Uint8Array.from({ length: 2 * 2 * 3 * 4 }, (_, i) => i);
    const oihw = permute(hwio, [2, 2, 3, 4], [3, 2, 0, 1]);
    // element [o=1, i=2, h=1, w=0] comes from [h=1, w=0, i=2, o=1]
    expect(oihw[1 * 12 + 2 * 4 + 1 * 2 + 0]).toBe(hwio[1 * 24 + 0 * 12 + 2 * 4 + 1]);
  });

  it('splits shard bytes into float and uint8 weights and checks the total', () => {
    const data = new Uint8Array([...new Uint8Array(Float32Array.of(1.5, -2).buffer), 7, 9, 11]);
    const manifest = [
      {
        paths: ['x'],
        weights: [
          { name: 'a', shape: [2], dtype: 'float32' },
          { name: 'b', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.5 } },
        ],
      },
    ];
    const weights = decodeWeights(manifest, data);
    expect(Array.from(weights.get('a')!.float32!)).toEqual([1.5, -2]);
    expect(weights.get('b')!.uint8).toEqual({ data: Uint8Array.of(7, 9, 11), min: -1, scale: 0.5 });
    expect(() => decodeWeights(manifest, data.subarray(1))).toThrow();
  });

  it('refuses source files whose sha256 differs from the pin', async () => {
    await expect(readPinnedFiles('test/fixtures/images', { 'bad-text.jpg': '0'.repeat(64) })).rejects.toThrow(/pinned sha256/);
  });
});
