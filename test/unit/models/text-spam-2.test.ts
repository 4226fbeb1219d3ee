import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { ModelRepository, type LoadedModel } from '../../../src/infer/model-repository.js';
import { loadTextModelKind } from '../../../src/infer/text-model-kind.js';
import { PolicyEngine } from '../../../src/policy/policy-engine.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { pinText } from '../../../src/preprocess/pin-text.js';
import { WordPieceText, codePointPrefixLength } from '../../../src/preprocess/wordpiece-text.js';
import { NORMAL_TEXTS, SPAM_TEXTS } from '../../../scripts/demo/sample-pins.js';

const fixtures = JSON.parse(readFileSync('test/fixtures/text-spam-2/vectors.json', 'utf8')) as {
  model_sha256: string;
  vectors: { text: string; p_spam: number }[];
};
const tokens = JSON.parse(readFileSync('test/fixtures/text-spam-2/tokens.json', 'utf8')) as {
  spec: ConstructorParameters<typeof WordPieceText>[0];
  vectors: { text: string; ids: number[] }[];
};
const manifest = JSON.parse(readFileSync('models/text-spam/2/manifest.json', 'utf8')) as {
  sha256: string;
  thresholds: { review: { spam: number }; block: { spam: number } };
};

async function loadV2() {
  const repo = new ModelRepository({ root: 'models', createSession: createInProcessSession });
  const model = await repo.load('text-spam', '2');
  const kind = await loadTextModelKind(model);
  const score = async (texts: string[]): Promise<number[]> => {
    const out = await model.session.run(kind.packer.pack(texts.map((t) => kind.prepare(t))));
    const p = out['probabilities']!.data as Float32Array;
    return texts.map((_, i) => p[i * 2 + 1]!);
  };
  return { model, kind, score };
}

describe('text-spam@2', () => {
  it('the fixtures belong to the committed model', () => {
    expect(fixtures.model_sha256).toBe(manifest.sha256);
    expect(fixtures.vectors.length).toBeGreaterThan(400);
    expect(createHash('sha256').update(readFileSync('models/text-spam/2/model.onnx')).digest('hex')).toBe(
      manifest.sha256,
    );
  });

  it('iw-minilm-v1: TypeScript token ids equal the Python tokenizer on every shared vector', () => {
    const tokenizer = new WordPieceText(
      tokens.spec,
      JSON.parse(readFileSync('test/fixtures/text-spam-2/tokenizer.json', 'utf8')) as object,
    );
    expect(tokens.vectors.length).toBeGreaterThan(400);
    const diffs = tokens.vectors.filter((v) => {
      const got = Array.from(tokenizer.encode(v.text).ids);
      return got.length !== v.ids.length || got.some((id, i) => id !== v.ids[i]);
    });
    expect(diffs.map((v) => v.text.slice(0, 60))).toEqual([]);
    expect(tokens.vectors.some((v) => v.ids.length === tokens.spec.max_tokens)).toBe(true);
  });

  it('cuts by code points like Python slicing, never inside a surrogate pair', () => {
    expect(codePointPrefixLength('ab😀cd', 3)).toBe(4);
    expect(codePointPrefixLength('ab😀cd', 2)).toBe(2);
    expect(codePointPrefixLength('abc', 10)).toBe(3);
  });

  it('worker scores equal the Python scores within 1e-6, batched', async () => {
    const { model, score } = await loadV2();
    let maxDelta = 0;
    for (let s = 0; s < fixtures.vectors.length; s += 16) {
      const batch = fixtures.vectors.slice(s, s + 16);
      const got = await score(batch.map((v) => v.text));
      batch.forEach((v, i) => (maxDelta = Math.max(maxDelta, Math.abs(got[i]! - v.p_spam))));
    }
    console.log(`text-spam@2 vectors ${fixtures.vectors.length}, max |p_spam - Python| = ${maxDelta.toExponential(2)}`);
    expect(maxDelta).toBeLessThan(1e-6);
    await model.session.close();
  });

  it('policy-v2 binds its thresholds to text-spam@2 (the default until text-spam@4): demo normal texts ALLOW, demo spam flagged, no evidence ALLOW', async () => {
    const policy = await readPolicy('policy/policy-v2.json');
    expect(policy.version).toBe('policy-v2');
    expect(policy.signals['text.spam']).toMatchObject({
      model: 'text-spam@2',
      review: manifest.thresholds.review,
      block: manifest.thresholds.block,
    });
    const engine = new PolicyEngine(policy);
    const { model, score } = await loadV2();
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

  it('selects the kind by the manifest and refuses a changed tokenizer file or an unknown featurizer', async () => {
    const repo = new ModelRepository({ root: 'models', createSession: createInProcessSession });
    const model = await repo.load('text-spam', '2');
    const wordpiece = {
      ...model,
      dir: 'test/fixtures/text-spam-2',
      manifest: {
        ...model.manifest,
        inputs: [
          { name: 'input_ids', dtype: 'int64' as const, shape: [-1, -1] },
          { name: 'attention_mask', dtype: 'int64' as const, shape: [-1, -1] },
        ],
        preprocess: { ...tokens.spec } as LoadedModel['manifest']['preprocess'],
      },
    };
    const kind = await loadTextModelKind(wordpiece);
    expect(kind.featurizer).toBe('iw-minilm-v1');
    const packed = kind.packer.pack([kind.prepare('Fall outfit inspiration'), kind.prepare('')]);
    expect(packed['input_ids']!.dims).toEqual([2, 5]);
    expect(Array.from(packed['attention_mask']!.data as BigInt64Array)).toEqual([1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n]);
    const bad = {
      ...wordpiece,
      manifest: {
        ...wordpiece.manifest,
        preprocess: { ...tokens.spec, tokenizer_sha256: '0'.repeat(64) } as LoadedModel['manifest']['preprocess'],
      },
    };
    await expect(loadTextModelKind(bad)).rejects.toMatchObject({ code: 'IW_MODEL_CHECKSUM' });
    const unknown = { ...model, manifest: { ...model.manifest, preprocess: { kind: 'text' as const, featurizer: 'nope' } } };
    await expect(loadTextModelKind(unknown)).rejects.toMatchObject({ code: 'IW_MODEL_MANIFEST' });
    await model.session.close();
  });
});
