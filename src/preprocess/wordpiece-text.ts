/**
 * The `iw-minilm-v1` text preprocessing, twin of `training/text_spam/embed.py` (whose docstring is the
 * specification): the pin text cut to its first `max_code_points` code points, BERT uncased WordPiece
 * by `@huggingface/tokenizers` over the model's own `tokenizer.json` ([CLS] ... [SEP], no padding),
 * then truncated to `max_tokens` ids with [SEP] kept last. The fixtures under
 * `test/fixtures/text-spam-2/` prove the ids equal to Python's `tokenizers`.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { IntegrityError } from '../errors.js';

export const WORDPIECE_FEATURIZER = 'iw-minilm-v1';

/** The `preprocess` section of an `iw-minilm-v1` manifest, as far as this reads it. */
export interface WordPieceSpec {
  kind: 'text';
  featurizer: string;
  tokenizer: string;
  tokenizer_sha256: string;
  max_code_points: number;
  max_tokens: number;
  cls_id: number;
  sep_id: number;
}

/** Token ids of one text, [CLS] first and [SEP] last. */
export interface TokenIds {
  ids: Int32Array;
}

/** The UTF-16 length of the first `n` code points of `text` (Python's `text[:n]`). */
export function codePointPrefixLength(text: string, n: number): number {
  if (text.length <= n) return text.length;
  let units = 0;
  for (let count = 0; count < n && units < text.length; count++) {
    const c = text.charCodeAt(units);
    const next = units + 1 < text.length ? text.charCodeAt(units + 1) : 0;
    units += c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return units;
}

export class WordPieceText {
  readonly spec: Readonly<WordPieceSpec>;
  readonly #tokenizer: Tokenizer;

  /** @throws IntegrityError IW_MODEL_MANIFEST when the spec is not one this build implements. */
  constructor(spec: WordPieceSpec, tokenizerJson: object) {
    const ok =
      spec.kind === 'text' &&
      spec.featurizer === WORDPIECE_FEATURIZER &&
      Number.isInteger(spec.max_code_points) &&
      spec.max_code_points > 0 &&
      Number.isInteger(spec.max_tokens) &&
      spec.max_tokens >= 2 &&
      Number.isInteger(spec.sep_id);
    if (!ok) {
      throw new IntegrityError(
        'IW_MODEL_MANIFEST',
        `text preprocess is not ${WORDPIECE_FEATURIZER} as built here`,
        {
          details: { field: 'preprocess', spec },
        },
      );
    }
    this.spec = Object.freeze({ ...spec });
    this.#tokenizer = new Tokenizer(tokenizerJson, {});
  }

  encode(text: string): TokenIds {
    const cut = text.slice(0, codePointPrefixLength(text, this.spec.max_code_points));
    const ids = this.#tokenizer.encode(cut).ids;
    const max = this.spec.max_tokens;
    const out = new Int32Array(Math.min(ids.length, max));
    for (let i = 0; i < out.length; i++) out[i] = ids[i]!;
    if (ids.length > max) out[max - 1] = this.spec.sep_id;
    return { ids: out };
  }
}
