/**
 * How a batch of rows becomes the model's input tensors. One packer per model kind; the dynamic
 * batcher knows nothing about images or text.
 */
import type { TensorMap } from './tensor-data.js';

export interface TensorPacker<Row> {
  /** Rejects a row that could never be packed (IW_INPUT_INVALID), before it joins a batch. */
  check(row: Row): void;
  /**
   * Packs 1..maxBatchSize checked rows into input tensors whose first dim is `rows.length`. Rows
   * are consumed: a packer may hand a row's buffer to the session (and so to another thread).
   */
  pack(rows: readonly Row[]): TensorMap;
}
