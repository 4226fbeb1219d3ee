/**
 * Packs sparse text rows (bucket indices and their weights) into two [N, K] tensors, K being the
 * longest row of the batch (at least 1), right-padded with index 0 and value 0.0 — the layout the
 * text-spam ONNX graph sums over (training/text_spam/onnx_export.py `pad`).
 */
import { IntegrityError } from '../errors.js';
import type { ModelManifest } from './model-manifest.js';
import type { TensorPacker } from './tensor-packer.js';
import type { TensorMap } from './tensor-data.js';

export interface SparseRow {
  readonly indices: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export class SparseTextTensorPacker implements TensorPacker<SparseRow> {
  readonly #indicesName: string;
  readonly #valuesName: string;

  /** Takes the inputs named `indices` (int64) and `values` (float32), both [-1, -1], from the manifest. */
  constructor(manifest: ModelManifest, names = { indices: 'indices', values: 'values' }) {
    const find = (name: string, dtype: string) =>
      manifest.inputs.find(
        (i) => i.name === name && i.dtype === dtype && i.shape.length === 2 && i.shape[1] === -1,
      );
    if (!find(names.indices, 'int64') || !find(names.values, 'float32')) {
      throw new IntegrityError(
        'IW_MODEL_MANIFEST',
        `${manifest.name}: want inputs ${names.indices} int64 and ${names.values} float32 [-1,-1]`,
        {
          details: { field: 'inputs' },
        },
      );
    }
    this.#indicesName = names.indices;
    this.#valuesName = names.values;
  }

  check(row: SparseRow): void {
    if (row.indices.length !== row.values.length) {
      throw new IntegrityError('IW_INPUT_INVALID', 'text row: indices and values differ in length');
    }
    for (let i = 0; i < row.indices.length; i++) {
      const index = row.indices[i]!;
      if (!Number.isSafeInteger(index) || index < 0)
        throw new IntegrityError('IW_INPUT_INVALID', 'text row: bad index');
    }
  }

  pack(rows: readonly SparseRow[]): TensorMap {
    const k = Math.max(1, ...rows.map((r) => r.indices.length));
    const indices = new BigInt64Array(rows.length * k);
    const values = new Float32Array(rows.length * k);
    rows.forEach((row, r) => {
      for (let j = 0; j < row.indices.length; j++) {
        indices[r * k + j] = BigInt(row.indices[j]!);
        values[r * k + j] = row.values[j]!;
      }
    });
    const dims = [rows.length, k];
    return {
      [this.#indicesName]: { type: 'int64', data: indices, dims },
      [this.#valuesName]: { type: 'float32', data: values, dims },
    };
  }
}
