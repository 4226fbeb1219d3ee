import { IntegrityError } from '../errors.js';
import { fnv1a32 } from './fnv1a.js';
import { normalizeText, UNICODE_VERSION } from './text-normalize.js';
import { URL_PATTERN, urlTokens, wordToken } from './text-tokens.js';

/** The `preprocess` section of a text model manifest, as far as the featurizer reads it. */
export interface TextFeaturizerSpec {
  kind: 'text';
  featurizer: string;
  unicode_version: string;
  hash: string;
  url_pattern: string;
  buckets: number;
  max_urls: number;
  max_words: number;
  max_word_chars: number;
  tf: string;
  norm: string;
}

/** Sparse features of one text: ascending bucket ids and their float32 weights (same length). */
export interface TextFeatures {
  indices: Uint32Array;
  values: Float32Array;
}

export const FEATURIZER_NAME = 'iw-text-hash-v1';

/**
 * The `iw-text-hash-v1` featurizer, twin of `training/text_spam/featurizer.py` (whose docstring is
 * the specification). Output is bit-identical to Python's for every string; the fixtures under
 * `test/fixtures/text-spam/` prove it. Pure and stateless after construction.
 */
export class TextFeaturizer {
  readonly spec: Readonly<TextFeaturizerSpec>;

  /** @throws IntegrityError IW_MODEL_MANIFEST when the manifest asks for a different algorithm. */
  constructor(spec: TextFeaturizerSpec) {
    const expected: Partial<TextFeaturizerSpec> = {
      kind: 'text',
      featurizer: FEATURIZER_NAME,
      unicode_version: UNICODE_VERSION,
      hash: 'fnv1a32-utf8',
      url_pattern: URL_PATTERN,
      tf: 'sqrt(count)',
      norm: 'l2',
    };
    for (const [key, value] of Object.entries(expected)) {
      if (spec[key as keyof TextFeaturizerSpec] !== value) {
        throw new IntegrityError('IW_MODEL_MANIFEST', `text preprocess ${key} is not supported`, {
          details: { key, expected: value, actual: spec[key as keyof TextFeaturizerSpec] },
        });
      }
    }
    for (const key of ['buckets', 'max_urls', 'max_words', 'max_word_chars'] as const) {
      if (!Number.isInteger(spec[key]) || spec[key] < 1 || spec[key] > 2 ** 31) {
        throw new IntegrityError('IW_MODEL_MANIFEST', `text preprocess ${key} is invalid`, {
          details: { key, actual: spec[key] },
        });
      }
    }
    this.spec = Object.freeze({ ...spec });
  }

  /** The feature strings of `text`, before hashing (for tests and debugging). */
  featureStrings(text: string): string[] {
    return wordUrlFeatureStrings(normalizeText(text), this.spec);
  }

  featurize(text: string): TextFeatures {
    return hashFeatureStrings(this.featureStrings(text), this.spec.buckets);
  }
}

/** Steps 3-4 of `iw-text-hash-v1` on normalized text: URL features, then words and bigrams. */
export function wordUrlFeatureStrings(
  norm: string,
  limits: Pick<TextFeaturizerSpec, 'max_urls' | 'max_words' | 'max_word_chars'>,
): string[] {
  const { max_urls: maxUrls, max_words: maxWords, max_word_chars: maxChars } = limits;
  const feats: string[] = [];
  let n = 0;
  for (const m of norm.matchAll(new RegExp(URL_PATTERN, 'g'))) {
    if (n++ >= maxUrls) break;
    feats.push(...urlTokens(m[0]));
  }
  let prev: string | undefined;
  n = 0;
  for (const m of norm.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (n++ >= maxWords) break;
    const w = wordToken(m[0], maxChars);
    feats.push(`w:${w}`);
    if (prev !== undefined) feats.push(`b:${prev} ${w}`);
    prev = w;
  }
  return feats;
}

/** Steps 5-6: FNV-1a buckets, sqrt(count) / sqrt(total) in float64, one rounding to float32. */
export function hashFeatureStrings(strings: readonly string[], buckets: number): TextFeatures {
  const counts = new Map<number, number>();
  for (const f of strings) {
    const b = fnv1a32(f) % buckets;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  const indices = Uint32Array.from(counts.keys()).sort();
  const values = new Float32Array(indices.length);
  const norm = Math.sqrt(strings.length);
  // Same float64 operations as Python (sqrt and division are correctly rounded), one rounding to float32.
  indices.forEach((b, i) => (values[i] = Math.sqrt(counts.get(b)!) / norm));
  return { indices, values };
}
