/**
 * Packs image rows into one float32 NHWC tensor [N, H, W, C]. A row is either a ready Float32Array
 * of H*W*C values (copied into the batch buffer; a batch of one whose row owns its whole buffer is
 * passed through without a copy), or a writer that fills its slice of the batch buffer directly
 * (no intermediate array at all; the writer then runs when the batch is packed).
 */
import { IntegrityError } from '../errors.js';
import type { ManifestInput } from './model-manifest.js';
import type { TensorPacker } from './tensor-packer.js';
import type { TensorMap } from './tensor-data.js';

export type ImageRowWriter = (target: Float32Array, offset: number) => void;
export type ImageRow = Float32Array | ImageRowWriter;

export class ImageTensorPacker implements TensorPacker<ImageRow> {
  readonly rowLength: number;
  readonly #input: ManifestInput;

  constructor(input: ManifestInput) {
    const [batch, ...rest] = input.shape;
    if (input.dtype !== 'float32' || batch !== -1 || rest.length !== 3 || rest.some((d) => d <= 0)) {
      throw new IntegrityError('IW_MODEL_MANIFEST', `input ${input.name}: want float32 [-1,H,W,C]`, {
        details: { field: 'inputs', shape: input.shape },
      });
    }
    this.#input = input;
    this.rowLength = rest.reduce((a, b) => a * b, 1);
  }

  check(row: ImageRow): void {
    if (typeof row === 'function') return;
    if (!(row instanceof Float32Array) || row.length !== this.rowLength) {
      throw new IntegrityError(
        'IW_INPUT_INVALID',
        `image row: want a Float32Array of ${this.rowLength} values`,
      );
    }
  }

  pack(rows: readonly ImageRow[]): TensorMap {
    const dims = [rows.length, ...this.#input.shape.slice(1)];
    const only = rows.length === 1 ? rows[0] : undefined;
    if (only instanceof Float32Array && only.byteOffset === 0 && only.buffer.byteLength === only.byteLength) {
      return { [this.#input.name]: { type: 'float32', data: only, dims } };
    }
    const data = new Float32Array(rows.length * this.rowLength);
    rows.forEach((row, i) => {
      if (typeof row === 'function') row(data, i * this.rowLength);
      else data.set(row, i * this.rowLength);
    });
    return { [this.#input.name]: { type: 'float32', data, dims } };
  }
}
