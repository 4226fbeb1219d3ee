/**
 * Packs token-id rows into `input_ids` and `attention_mask`, both int64 [N, L], L being the longest
 * row of the batch, right-padded with id 0 ([PAD]) and mask 0 — twin of
 * `training/text_spam/embed.py: pack`. Padding changes nothing: the encoder masks it out.
 */
import { IntegrityError } from '../errors.js';
import type { TokenIds } from '../preprocess/wordpiece-text.js';
import type { ModelManifest } from './model-manifest.js';
import type { TensorMap } from './tensor-data.js';
import type { TensorPacker } from './tensor-packer.js';

export type TokenRow = TokenIds;

export class TokenTextTensorPacker implements TensorPacker<TokenRow> {
  /** Wants the inputs `input_ids` and `attention_mask`, int64 [-1, -1], in the manifest. */
  constructor(manifest: ModelManifest) {
    for (const name of ['input_ids', 'attention_mask']) {
      const input = manifest.inputs.find((i) => i.name === name);
      if (!input || input.dtype !== 'int64' || input.shape.length !== 2 || input.shape[1] !== -1) {
        throw new IntegrityError('IW_MODEL_MANIFEST', `${manifest.name}: want input ${name} int64 [-1,-1]`, {
          details: { field: 'inputs' },
        });
      }
    }
  }

  check(row: TokenRow): void {
    if (row.ids.length === 0) throw new IntegrityError('IW_INPUT_INVALID', 'text row: no token ids');
  }

  pack(rows: readonly TokenRow[]): TensorMap {
    const width = Math.max(1, ...rows.map((r) => r.ids.length));
    const ids = new BigInt64Array(rows.length * width);
    const mask = new BigInt64Array(rows.length * width);
    rows.forEach((row, r) => {
      for (let j = 0; j < row.ids.length; j++) {
        ids[r * width + j] = BigInt(row.ids[j]!);
        mask[r * width + j] = 1n;
      }
    });
    const dims = [rows.length, width];
    return {
      input_ids: { type: 'int64', data: ids, dims },
      attention_mask: { type: 'int64', data: mask, dims },
    };
  }
}
