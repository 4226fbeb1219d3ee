/**
 * Plain tensors: a typed array plus dims. They cross the worker-thread boundary as-is (the typed
 * array's buffer is transferred, not copied), which onnxruntime's Tensor objects cannot.
 */
import type { Dtype } from './model-manifest.js';

export type TensorArray = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export interface TensorData {
  readonly type: Dtype;
  readonly data: TensorArray;
  readonly dims: readonly number[];
}

export type TensorMap = Record<string, TensorData>;

/** Allocates a zero-filled array of `dtype` with `length` elements. */
export function allocate(dtype: Dtype, length: number): TensorArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'uint8':
      return new Uint8Array(length);
  }
}

/** A zero tensor of `shape` where every dynamic dim (-1) becomes 1: the warm-up feed. */
export function zeroTensor(dtype: Dtype, shape: readonly number[]): TensorData {
  const dims = shape.map((d) => (d === -1 ? 1 : d));
  return {
    type: dtype,
    data: allocate(
      dtype,
      dims.reduce((a, b) => a * b, 1),
    ),
    dims,
  };
}

/** The buffers to transfer when posting `tensors` to another thread. */
export function transferList(tensors: TensorMap): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of Object.values(tensors)) {
    const buffer = t.data.buffer;
    // A SharedArrayBuffer is shared, not transferred; a view of a larger buffer is copied instead
    // so that transferring never detaches memory the sender still uses.
    if (buffer instanceof ArrayBuffer && t.data.byteOffset === 0 && t.data.byteLength === buffer.byteLength) {
      seen.add(buffer);
    }
  }
  return [...seen];
}
