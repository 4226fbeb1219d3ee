import { describe, expect, it } from 'vitest';
import { ImageTensorPacker } from '../../../src/infer/image-tensor-packer.js';
import { SparseTextTensorPacker } from '../../../src/infer/sparse-text-tensor-packer.js';
import { parseModelManifest } from '../../../src/infer/model-manifest.js';
import { readFileSync } from 'node:fs';

const input = { name: 'input', dtype: 'float32' as const, shape: [-1, 2, 2, 3] };

describe('ImageTensorPacker', () => {
  const packer = new ImageTensorPacker(input);

  it('copies ready rows and lets writers fill their slot of the batch buffer', () => {
    const a = new Float32Array(12).fill(1);
    const writer = (target: Float32Array, offset: number) => target.fill(2, offset, offset + 12);
    const t = packer.pack([a, writer])['input']!;
    expect(t.dims).toEqual([2, 2, 2, 3]);
    expect(Array.from(t.data as Float32Array)).toEqual([...Array(12).fill(1), ...Array(12).fill(2)]);
  });

  it('passes a lone row that owns its buffer through without a copy, but copies a view', () => {
    const own = new Float32Array(12);
    expect(packer.pack([own])['input']!.data).toBe(own);
    const view = new Float32Array(24).subarray(12);
    expect(packer.pack([view])['input']!.data).not.toBe(view);
  });

  it('refuses rows of the wrong size and manifests that are not NHWC float32', () => {
    expect(() => packer.check(new Float32Array(11))).toThrow(
      expect.objectContaining({ code: 'IW_INPUT_INVALID' }),
    );
    expect(() => new ImageTensorPacker({ ...input, shape: [1, 2, 2, 3] })).toThrow(
      expect.objectContaining({ code: 'IW_MODEL_MANIFEST' }),
    );
  });
});

const row = (indices: number[], values: number[]) => ({
  indices: Uint32Array.from(indices),
  values: Float32Array.from(values),
});

describe('SparseTextTensorPacker', () => {
  const base = JSON.parse(readFileSync('models/image-safety/1/manifest.json', 'utf8')) as Record<
    string,
    unknown
  >;
  const manifest = parseModelManifest(
    {
      ...base,
      inputs: [
        { name: 'indices', dtype: 'int64', shape: [-1, -1] },
        { name: 'values', dtype: 'float32', shape: [-1, -1] },
      ],
    },
    'text',
  );
  const packer = new SparseTextTensorPacker(manifest);

  it('pads every row to the longest of the batch with index 0 and value 0', () => {
    const t = packer.pack([row([5, 7], [0.5, 0.25]), row([9], [1])]);
    expect(t['indices']!.dims).toEqual([2, 2]);
    expect(Array.from(t['indices']!.data as BigInt64Array)).toEqual([5n, 7n, 9n, 0n]);
    expect(Array.from(t['values']!.data as Float32Array)).toEqual([0.5, 0.25, 1, 0]);
  });

  it('gives a batch of empty rows one padding column', () => {
    expect(packer.pack([row([], [])])['values']!.dims).toEqual([1, 1]);
  });

  it('refuses rows whose indices and values differ in length', () => {
    expect(() => packer.check(row([1, 2], [1]))).toThrow(
      expect.objectContaining({ code: 'IW_INPUT_INVALID' }),
    );
    expect(() => new SparseTextTensorPacker(parseModelManifest(base, 'image'))).toThrow(
      expect.objectContaining({ code: 'IW_MODEL_MANIFEST' }),
    );
  });
});
