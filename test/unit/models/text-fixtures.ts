import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { TextFeaturizerSpec } from '../../../src/preprocess/text-features.js';

const root = new URL('../../../', import.meta.url);

export const modelPath = new URL('models/text-spam/1/model.onnx', root);

export interface TextSpamManifest {
  sha256: string;
  preprocess: TextFeaturizerSpec;
}

export function loadManifest(): TextSpamManifest {
  return JSON.parse(readFileSync(new URL('models/text-spam/1/manifest.json', root), 'utf8')) as TextSpamManifest;
}

export interface FeatureVector {
  text: string;
  indices: number[];
  values: number[];
}

export function loadFeatureVectors(): FeatureVector[] {
  const file = new URL('test/fixtures/text-spam/feature-vectors.json', root);
  return (JSON.parse(readFileSync(file, 'utf8')) as { vectors: FeatureVector[] }).vectors;
}

export interface HeldOutPin {
  id: string;
  label: number;
  title: string;
  description: string;
  features_sha256: string;
  p_spam: number;
}

export function loadHeldOut(): HeldOutPin[] {
  const gz = readFileSync(new URL('test/fixtures/text-spam/test-set.jsonl.gz', root));
  return gunzipSync(gz)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as HeldOutPin);
}
