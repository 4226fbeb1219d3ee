import type { TextFeatures } from './text-features.js';

/** A padded batch for the text-spam ONNX inputs `indices` int64 [n, k] and `values` float32 [n, k]. */
export interface TextBatchTensors {
  indices: BigInt64Array;
  values: Float32Array;
  dims: [number, number];
}

/**
 * Right-pads rows to the longest (at least one column) with index 0 and value 0, which adds
 * nothing to the dot product; identical to `training/text_spam/onnx_export.py: pad`.
 */
export function padTextBatch(rows: readonly TextFeatures[]): TextBatchTensors {
  const k = Math.max(1, ...rows.map((r) => r.indices.length));
  const indices = new BigInt64Array(rows.length * k);
  const values = new Float32Array(rows.length * k);
  rows.forEach((row, r) => {
    for (let j = 0; j < row.indices.length; j++) {
      indices[r * k + j] = BigInt(row.indices[j]!);
      values[r * k + j] = row.values[j]!;
    }
  });
  return { indices, values, dims: [rows.length, k] };
}
