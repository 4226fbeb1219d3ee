import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/errors.js';
import { parseModelManifest, readModelManifest } from '../../../src/infer/model-manifest.js';

const imageManifest = JSON.parse(readFileSync('models/image-safety/1/manifest.json', 'utf8')) as Record<
  string,
  unknown
>;

function failure(value: unknown): { code: string; field: unknown; message: string } {
  try {
    parseModelManifest(value, 'x/manifest.json');
  } catch (error) {
    if (isIntegrityError(error))
      return { code: error.code, field: error.details?.field, message: error.message };
  }
  throw new Error('expected a failure');
}

describe('model manifest schema', () => {
  it('accepts the committed image-safety manifest and keeps its preprocess', () => {
    const m = parseModelManifest(imageManifest, 'image');
    expect(m.preprocess).toMatchObject({
      kind: 'image',
      width: 224,
      height: 224,
      resize: 'bilinear-align-corners',
    });
    expect(m.outputs[0]?.classes).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    expect(m.embeddings).toMatchObject([
      { name: 'embedding', dtype: 'float32', shape: [-1, 1280], normalized: false },
    ]);
  });

  it('refuses an embedding output that is not one float32 vector per input', () => {
    const bad = (e: Record<string, unknown>) => ({
      ...imageManifest,
      embeddings: [{ name: 'e', dtype: 'float32', shape: [-1, 8], normalized: false, ...e }],
    });
    expect(failure(bad({ shape: [-1, 8, 8] }))).toMatchObject({
      code: 'IW_MODEL_MANIFEST',
      field: 'embeddings.0.shape',
    });
    expect(failure(bad({ dtype: 'int64' }))).toMatchObject({
      code: 'IW_MODEL_MANIFEST',
      field: 'embeddings.0.dtype',
    });
    expect(failure(bad({ normalized: undefined }))).toMatchObject({
      code: 'IW_MODEL_MANIFEST',
      field: 'embeddings.0.normalized',
    });
  });

  it('keeps the extra fields of a text preprocess for its featurizer', () => {
    const text = { ...imageManifest, preprocess: { kind: 'text', featurizer: 'f1', buckets: 1024 } };
    expect(parseModelManifest(text, 't').preprocess).toEqual({
      kind: 'text',
      featurizer: 'f1',
      buckets: 1024,
    });
  });

  it('names the file and the field of the first problem', () => {
    const f = failure({ ...imageManifest, sha256: 'abc' });
    expect(f.code).toBe('IW_MODEL_MANIFEST');
    expect(f.field).toBe('sha256');
    expect(f.message).toContain('x/manifest.json');
    expect(failure({ ...imageManifest, preprocess: { kind: 'audio' } }).field).toBe('preprocess.kind');
    expect(
      failure({ ...imageManifest, inputs: [{ name: 'input', dtype: 'float16', shape: [-1] }] }).field,
    ).toBe('inputs.0.dtype');
    expect(
      failure({ ...imageManifest, inputs: [{ name: 'input', dtype: 'float32', shape: [0, 2] }] }).field,
    ).toBe('inputs.0.shape.0');
  });

  it('refuses outputs whose width differs from their classes and thresholds on unknown classes', () => {
    const outputs = [{ name: 'p', dtype: 'float32', shape: [-1, 4], classes: ['a', 'b', 'c', 'd', 'e'] }];
    expect(failure({ ...imageManifest, outputs }).field).toBe('outputs.0.shape');
    const thresholds = { review: { Nope: 0.5 }, block: {} };
    expect(failure({ ...imageManifest, thresholds }).field).toBe('thresholds.review.Nope');
  });

  it('reads files: missing is IW_MODEL_NOT_FOUND, bad JSON is IW_MODEL_MANIFEST', async () => {
    await expect(readModelManifest('models/none/1/manifest.json')).rejects.toMatchObject({
      code: 'IW_MODEL_NOT_FOUND',
    });
    await expect(readModelManifest('package-lock.json')).rejects.toMatchObject({ code: 'IW_MODEL_MANIFEST' });
    await expect(readModelManifest('README.md')).rejects.toMatchObject({ code: 'IW_MODEL_MANIFEST' });
  });
});
