import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { ModelRepository } from '../../../src/infer/model-repository.js';
import { loadTextModelKind } from '../../../src/infer/text-model-kind.js';
import { PolicyEngine } from '../../../src/policy/policy-engine.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { pinText } from '../../../src/preprocess/pin-text.js';
import { TextFeaturizer, type TextFeaturizerSpec } from '../../../src/preprocess/text-features.js';
import { TextFeaturizerV2, type TextFeaturizerV2Spec } from '../../../src/preprocess/text-features-v2.js';
import { NORMAL_TEXTS, SPAM_TEXTS } from '../../../scripts/demo/sample-pins.js';

interface Vector {
  text: string;
  features_sha256: string;
  p_spam: number;
  indices?: number[];
  values?: number[];
}

const fixtures = JSON.parse(readFileSync('test/fixtures/text-spam-4/vectors.json', 'utf8')) as {
  model_sha256: string;
  featurizer: string;
  vectors: Vector[];
};
const manifest = JSON.parse(readFileSync('models/text-spam/4/manifest.json', 'utf8')) as {
  sha256: string;
  preprocess: TextFeaturizerSpec | TextFeaturizerV2Spec;
  thresholds: { review: { spam: number }; block: { spam: number } };
};

function digest(indices: Uint32Array, values: Float32Array): string {
  return createHash('sha256')
    .update(Buffer.from(Int32Array.from(indices).buffer))
    .update(Buffer.from(values.buffer, values.byteOffset, values.byteLength))
    .digest('hex');
}

function featurizer(): { featurize(text: string): { indices: Uint32Array; values: Float32Array } } {
  return manifest.preprocess.featurizer === 'iw-text-hash-v1'
    ? new TextFeaturizer(manifest.preprocess as TextFeaturizerSpec)
    : new TextFeaturizerV2(manifest.preprocess as TextFeaturizerV2Spec);
}

async function loadV4() {
  const repo = new ModelRepository({ root: 'models', createSession: createInProcessSession });
  const model = await repo.load('text-spam', '4');
  const kind = await loadTextModelKind(model);
  const score = async (texts: string[]): Promise<number[]> => {
    const out = await model.session.run(kind.packer.pack(texts.map((t) => kind.prepare(t))));
    const p = out['probabilities']!.data as Float32Array;
    return texts.map((_, i) => p[i * 2 + 1]!);
  };
  return { model, kind, score };
}

describe('text-spam@4', () => {
  it('the fixtures belong to the committed model', () => {
    expect(fixtures.model_sha256).toBe(manifest.sha256);
    expect(fixtures.featurizer).toBe(manifest.preprocess.featurizer);
    expect(fixtures.vectors.length).toBeGreaterThan(900);
    expect(createHash('sha256').update(readFileSync('models/text-spam/4/model.onnx')).digest('hex')).toBe(
      manifest.sha256,
    );
  });

  it("TypeScript features equal the Python ones on every shared vector (the manifest's featurizer)", () => {
    const f = featurizer();
    const full = fixtures.vectors.filter((v) => v.indices !== undefined);
    expect(full.length).toBeGreaterThan(30);
    for (const v of full) {
      const got = f.featurize(v.text);
      expect({ text: v.text, indices: [...got.indices], values: [...got.values] }).toEqual({
        text: v.text,
        indices: v.indices,
        values: v.values,
      });
    }
    const diffs = fixtures.vectors.filter((v) => {
      const got = f.featurize(v.text);
      return digest(got.indices, got.values) !== v.features_sha256;
    });
    expect(diffs.map((v) => v.text.slice(0, 60))).toEqual([]);
  });

  it('worker scores equal the Python scores within 1e-6, batched', async () => {
    const { model, kind, score } = await loadV4();
    expect(kind.featurizer).toBe(manifest.preprocess.featurizer);
    let maxDelta = 0;
    for (let s = 0; s < fixtures.vectors.length; s += 16) {
      const batch = fixtures.vectors.slice(s, s + 16);
      const got = await score(batch.map((v) => v.text));
      batch.forEach((v, i) => (maxDelta = Math.max(maxDelta, Math.abs(got[i]! - v.p_spam))));
    }
    expect(maxDelta).toBeLessThan(1e-6);
    await model.session.close();
  });

  it('policy-v5 binds its thresholds to text-spam@4: demo normal texts ALLOW, demo spam flagged, no evidence ALLOW', async () => {
    const policy = await readPolicy('policy/policy-v5.json');
    expect(policy.version).toBe('policy-v5');
    expect(policy.signals['text.spam']).toMatchObject({
      model: 'text-spam@4',
      review: manifest.thresholds.review,
      block: manifest.thresholds.block,
    });
    const engine = new PolicyEngine(policy);
    const { model, score } = await loadV4();
    const decide = (p: number) => engine.decide('text.spam', { ham: 1 - p, spam: p });
    const normal = await score(NORMAL_TEXTS.map(([title, description]) => pinText({ title, description, link: '' })));
    const spam = await score(SPAM_TEXTS.map(([title, description, link]) => pinText({ title, description, link })));
    const empty = await score([pinText({ title: '', description: '', link: '' }), '🌸🌸🌸\n\n']);
    expect(normal.map(decide)).toEqual(NORMAL_TEXTS.map(() => 'ALLOW'));
    expect(spam.map(decide).filter((d) => d === 'ALLOW')).toEqual([]);
    expect(empty.map(decide)).toEqual(['ALLOW', 'ALLOW']);
    expect(empty[0]!).toBeLessThan(0.1);
    await model.session.close();
  });
});
