/**
 * Which text pipeline a text model needs, chosen by its manifest's `preprocess.featurizer`:
 * `iw-text-hash-v1` (hashed sparse features -> indices/values, text-spam@1 and @2),
 * `iw-text-hash-v2` (the same plus char n-grams and shape features, text-spam@3) or `iw-minilm-v1`
 * (WordPiece ids -> input_ids/attention_mask). Each kind is a `prepare` (text -> row,
 * synchronous and cheap next to inference) and the packer that batches its rows.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError } from '../errors.js';
import { FEATURIZER_NAME, TextFeaturizer, type TextFeaturizerSpec } from '../preprocess/text-features.js';
import {
  FEATURIZER_V2_NAME,
  TextFeaturizerV2,
  type TextFeaturizerV2Spec,
} from '../preprocess/text-features-v2.js';
import { WORDPIECE_FEATURIZER, WordPieceText, type WordPieceSpec } from '../preprocess/wordpiece-text.js';
import type { LoadedModel } from './model-repository.js';
import { SparseTextTensorPacker } from './sparse-text-tensor-packer.js';
import type { TensorPacker } from './tensor-packer.js';
import { TokenTextTensorPacker } from './token-text-tensor-packer.js';

export interface TextModelKind<Row> {
  readonly featurizer: string;
  prepare(text: string): Row;
  readonly packer: TensorPacker<Row>;
}

/**
 * Reads what the kind needs next to the model (the tokenizer file, checked against its sha256).
 * Throws IW_MODEL_MANIFEST for an unknown featurizer, IW_MODEL_NOT_FOUND / IW_MODEL_CHECKSUM for a
 * missing or changed tokenizer file.
 */
export async function loadTextModelKind(model: LoadedModel): Promise<TextModelKind<unknown>> {
  const pre = model.manifest.preprocess as Record<string, unknown>;
  if (pre.kind !== 'text') {
    throw new IntegrityError('IW_MODEL_MANIFEST', `${model.id} is not a text model`, {
      details: { field: 'preprocess.kind' },
    });
  }
  if (pre.featurizer === FEATURIZER_NAME) {
    const featurizer = new TextFeaturizer(pre as unknown as TextFeaturizerSpec);
    return {
      featurizer: FEATURIZER_NAME,
      prepare: (text) => featurizer.featurize(text),
      packer: new SparseTextTensorPacker(model.manifest) as TensorPacker<unknown>,
    };
  }
  if (pre.featurizer === FEATURIZER_V2_NAME) {
    const featurizer = new TextFeaturizerV2(pre as unknown as TextFeaturizerV2Spec);
    return {
      featurizer: FEATURIZER_V2_NAME,
      prepare: (text) => featurizer.featurize(text),
      packer: new SparseTextTensorPacker(model.manifest) as TensorPacker<unknown>,
    };
  }
  if (pre.featurizer === WORDPIECE_FEATURIZER) {
    const spec = pre as unknown as WordPieceSpec;
    const file = join(model.dir, String(spec.tokenizer));
    const bytes = await readFile(file).catch((cause: unknown) => {
      throw new IntegrityError('IW_MODEL_NOT_FOUND', `${file}: cannot read the tokenizer`, {
        cause,
        details: { file },
      });
    });
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== spec.tokenizer_sha256) {
      throw new IntegrityError(
        'IW_MODEL_CHECKSUM',
        `${file}: sha256 ${actual}, manifest says ${spec.tokenizer_sha256}`,
        {
          details: { file, expected: spec.tokenizer_sha256, actual },
        },
      );
    }
    const tokenizer = new WordPieceText(spec, JSON.parse(bytes.toString('utf8')) as object);
    return {
      featurizer: WORDPIECE_FEATURIZER,
      prepare: (text) => tokenizer.encode(text),
      packer: new TokenTextTensorPacker(model.manifest) as TensorPacker<unknown>,
    };
  }
  throw new IntegrityError(
    'IW_MODEL_MANIFEST',
    `${model.id}: unknown text featurizer ${String(pre.featurizer)}`,
    {
      details: { field: 'preprocess.featurizer' },
    },
  );
}
