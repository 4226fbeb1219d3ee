import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { parseModelManifest } from '../../../src/infer/model-manifest.js';
import { loadServing, type Serving } from '../../../src/infer/serving.js';
import { WordPieceText } from '../../../src/preprocess/wordpiece-text.js';

const fixture = JSON.parse(readFileSync('test/fixtures/text-embedding-1/vectors.json', 'utf8')) as {
  sha256: string;
  vectors: { text: string; ids: number[]; embedding: number[] }[];
};
const manifestJson = JSON.parse(readFileSync('models/text-embedding/1/manifest.json', 'utf8')) as {
  sha256: string;
  preprocess: ConstructorParameters<typeof WordPieceText>[0];
  metrics: { sentence_transformers_agreement: { texts: number; min_cosine: number; mean_cosine: number } };
};
const model = { name: 'text-embedding', version: '1' };

describe('text-embedding@1 (all-MiniLM-L6-v2, int8 weights dequantized in-graph)', () => {
  let serving: Serving;
  beforeAll(async () => {
    serving = await loadServing(loadConfig({}), [model], {}, createInProcessSession);
  }, 120_000);
  afterAll(() => serving?.close());

  it('the fixture belongs to the committed model, whose manifest records its agreement', () => {
    const bytes = readFileSync('models/text-embedding/1/model.onnx');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifestJson.sha256);
    expect(fixture.sha256).toBe(manifestJson.sha256);
    expect(bytes.length).toBeLessThanOrEqual(25 * 1024 * 1024);
    const agreement = manifestJson.metrics.sentence_transformers_agreement;
    expect(agreement.texts).toBeGreaterThanOrEqual(200);
    expect(agreement.min_cosine).toBeGreaterThan(0.99);
  });

  it('TypeScript token ids equal the Python tokenizer on every fixture text', () => {
    const tokenizer = new WordPieceText(
      manifestJson.preprocess,
      JSON.parse(readFileSync('models/text-embedding/1/tokenizer.json', 'utf8')) as object,
    );
    for (const v of fixture.vectors) expect(Array.from(tokenizer.encode(v.text).ids), v.text).toEqual(v.ids);
  });

  it('worker embeddings equal the Python onnxruntime ones within 1e-4, batched, unit norm', async () => {
    const scorer = serving.scorer(model);
    expect(scorer.classes).toEqual([]);
    expect(scorer.embedding).toEqual({ output: 'embedding', dimension: 384, normalized: true });
    expect(await scorer.infer(await scorer.prepare('no classes'))).toEqual({});
    // All at once: the dynamic batcher packs them into padded batches of mixed lengths.
    const got = await Promise.all(fixture.vectors.map(async (v) => scorer.embed!(await scorer.prepare(v.text))));
    let maxDelta = 0;
    got.forEach((row, i) => {
      expect(row).toHaveLength(384);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
      fixture.vectors[i]!.embedding.forEach((x, j) => (maxDelta = Math.max(maxDelta, Math.abs(row[j]! - x))));
    });
    console.log(`text-embedding@1 vectors ${got.length}, max |TS - Python| = ${maxDelta.toExponential(2)}`);
    expect(maxDelta).toBeLessThan(1e-4);
  }, 120_000);

  it('a manifest with neither outputs nor embeddings is refused', () => {
    const raw = JSON.parse(readFileSync('models/text-embedding/1/manifest.json', 'utf8')) as Record<string, unknown>;
    expect(parseModelManifest(raw, 'm.json').outputs).toEqual([]);
    expect(() => parseModelManifest({ ...raw, embeddings: [] }, 'm.json')).toThrow(
      expect.objectContaining({ code: 'IW_MODEL_MANIFEST' }),
    );
  });
});
