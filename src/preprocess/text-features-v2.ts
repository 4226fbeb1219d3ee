import { IntegrityError } from '../errors.js';
import {
  FEATURIZER_NAME,
  TextFeaturizer,
  hashFeatureStrings,
  wordUrlFeatureStrings,
  type TextFeaturizerSpec,
  type TextFeatures,
} from './text-features.js';
import { replaceUnassigned } from './text-normalize.js';
import { shapeStrings, type ShapeSpec } from './text-shape.js';
import { URL_PATTERN } from './text-tokens.js';

export const FEATURIZER_V2_NAME = 'iw-text-hash-v2';

/** The `preprocess` section of an `iw-text-hash-v2` manifest: v1's fields plus these. */
export interface TextFeaturizerV2Spec extends Omit<TextFeaturizerSpec, 'featurizer'>, ShapeSpec {
  featurizer: typeof FEATURIZER_V2_NAME;
  /** Inclusive [min, max] code-point n-gram lengths over `<word>`, or [] for none. */
  char_ngrams: number[];
}

const DIGIT_TOKEN = /^<d[0-9]>$/;

/**
 * The `iw-text-hash-v2` featurizer, twin of `training/text_spam/featurizer2.py` (its docstring is
 * the specification): v1's URL, word and bigram features, character n-grams of the words, and the
 * shape features of `text-shape.ts`, hashed and normalized as v1. Bit-identical to Python on the
 * shared vectors (`test/fixtures/text-spam-3/`).
 */
export class TextFeaturizerV2 {
  readonly spec: Readonly<TextFeaturizerV2Spec>;

  /** @throws IntegrityError IW_MODEL_MANIFEST for another algorithm or invalid parameters. */
  constructor(spec: TextFeaturizerV2Spec) {
    if (spec.featurizer !== FEATURIZER_V2_NAME) {
      throw new IntegrityError('IW_MODEL_MANIFEST', 'text preprocess featurizer is not supported', {
        details: { key: 'featurizer', expected: FEATURIZER_V2_NAME, actual: spec.featurizer },
      });
    }
    // v1's checks (Unicode version, hash, URL pattern, limits) hold for v2's common fields.
    new TextFeaturizer({ ...spec, featurizer: FEATURIZER_NAME });
    const grams = spec.char_ngrams;
    const gramsOk =
      Array.isArray(grams) &&
      (grams.length === 0 ||
        (grams.length === 2 &&
          grams.every((n) => Number.isInteger(n) && n >= 1 && n <= 10) &&
          grams[0]! <= grams[1]!));
    const listsOk = [spec.shortener_hosts, spec.odd_tlds].every(
      (l) => Array.isArray(l) && l.every((x) => typeof x === 'string'),
    );
    if (!gramsOk || !listsOk) {
      throw new IntegrityError('IW_MODEL_MANIFEST', 'text preprocess char_ngrams or host lists are invalid', {
        details: { key: gramsOk ? 'shortener_hosts/odd_tlds' : 'char_ngrams' },
      });
    }
    this.spec = Object.freeze({ ...spec });
  }

  /** The feature strings of `text`, before hashing (for tests and debugging). */
  featureStrings(text: string): string[] {
    const raw = replaceUnassigned(text);
    const nfkc = raw.normalize('NFKC');
    const norm = nfkc.toLowerCase();
    const feats = wordUrlFeatureStrings(norm, this.spec);
    const [lo, hi] = this.spec.char_ngrams;
    if (lo !== undefined && hi !== undefined) {
      const grams: string[] = [];
      for (const f of feats) {
        if (!f.startsWith('w:')) continue;
        const w = f.slice(2);
        if (w === '<long>' || DIGIT_TOKEN.test(w)) continue;
        const cps = Array.from(`<${w}>`);
        for (let n = lo; n <= hi; n++) {
          for (let i = 0; i + n <= cps.length; i++) grams.push(`c:${cps.slice(i, i + n).join('')}`);
        }
      }
      feats.push(...grams);
    }
    const urls = [...norm.matchAll(new RegExp(URL_PATTERN, 'g'))].map((m) => m[0]);
    feats.push(...shapeStrings(raw, nfkc, norm, urls, this.spec));
    return feats;
  }

  featurize(text: string): TextFeatures {
    return hashFeatureStrings(this.featureStrings(text), this.spec.buckets);
  }
}
