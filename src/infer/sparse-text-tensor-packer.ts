/**
 * Packs sparse text rows (bucket indices and their weights) into two [N, K] tensors, K being the
 * longest row of the batch (at least 1), right-padded with index 0 and value 0.0 — the layout the
 * text-spam ONNX graph sums over (`padTextBatch`, twin of training/text_spam/onnx_export.py `pad`).
 */
import { IntegrityError } from '../errors.js';
import type { ModelManifest } from './model-manifest.js';
import type { TensorPacker } from './tensor-packer.js';
import type { TensorMap } from './tensor-data.js';
import type { TextFeatures } from '../preprocess/text-features.js';
import { padTextBatch } from '../preprocess/text-tensor.js';

/** One featurized text: ascending bucket ids and their weights (TextFeaturizer.featurize). */
export type SparseRow = TextFeatures;

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
  }

  pack(rows: readonly SparseRow[]): TensorMap {
    const { indices, values, dims } = padTextBatch(rows);
    return {
      [this.#indicesName]: { type: 'int64', data: indices, dims },
      [this.#valuesName]: { type: 'float32', data: values, dims },
    };
  }
}
