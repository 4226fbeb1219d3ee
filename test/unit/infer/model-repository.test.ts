import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { ModelRepository } from '../../../src/infer/model-repository.js';

let root: string;
const manifestPath = () => join(root, 'tiny', '1', 'manifest.json');

async function editManifest(edit: (m: Record<string, unknown>) => void): Promise<void> {
  const m = JSON.parse(await readFile(manifestPath(), 'utf8')) as Record<string, unknown>;
  edit(m);
  await writeFile(manifestPath(), JSON.stringify(m));
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'iw-models-'));
  await cp('test/fixtures/models/tiny', join(root, 'tiny'), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const repo = () => new ModelRepository({ root, createSession: createInProcessSession });

describe('ModelRepository', () => {
  it('loads, warms up and runs the tiny model', async () => {
    const model = await repo().load('tiny', '1');
    expect(model.id).toBe('tiny@1');
    const out = await model.session.run({
      x: { type: 'float32', data: new Float32Array([0, 0, 0, 5, 0, 0]), dims: [2, 3] },
    });
    const p = out['probabilities']!.data as Float32Array;
    expect(p[0]).toBeCloseTo(1 / 3, 6);
    expect(p[3]).toBeGreaterThan(0.98);
    await model.session.close();
  });

  it('runs the session in a worker thread by default', async () => {
    const model = await new ModelRepository({ root }).load('tiny', '1');
    const out = await model.session.run({
      x: { type: 'float32', data: new Float32Array([1, 1, 1]), dims: [1, 3] },
    });
    expect(Array.from(out['probabilities']!.data as Float32Array)).toEqual(
      [1 / 3, 1 / 3, 1 / 3].map(Math.fround),
    );
    await model.session.close();
  });

  it('says IW_MODEL_NOT_FOUND for a missing version or model file', async () => {
    await expect(repo().load('tiny', '2')).rejects.toMatchObject({ code: 'IW_MODEL_NOT_FOUND' });
    await rm(join(root, 'tiny', '1', 'model.onnx'));
    await expect(repo().load('tiny', '1')).rejects.toMatchObject({ code: 'IW_MODEL_NOT_FOUND' });
  });

  it('says IW_MODEL_CHECKSUM naming the file when the bytes differ', async () => {
    await editManifest((m) => (m['sha256'] = '0'.repeat(64)));
    const error = await repo()
      .load('tiny', '1')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'IW_MODEL_CHECKSUM',
      details: { file: join(root, 'tiny', '1', 'model.onnx') },
    });
  });

  it('says IW_INFERENCE_FAILED when the worker cannot open a file whose checksum matches', async () => {
    const garbage = Buffer.from('not an onnx model');
    await writeFile(join(root, 'tiny', '1', 'model.onnx'), garbage);
    await editManifest((m) => (m['sha256'] = createHash('sha256').update(garbage).digest('hex')));
    await expect(new ModelRepository({ root }).load('tiny', '1')).rejects.toMatchObject({
      code: 'IW_INFERENCE_FAILED',
      retriable: false,
    });
  });

  it('says IW_MODEL_MANIFEST when names, types or shapes disagree with the session', async () => {
    const cases: [string, (m: Record<string, unknown>) => void][] = [
      [
        'outputs',
        (m) =>
          (m['outputs'] = [{ name: 'scores', dtype: 'float32', shape: [-1, 3], classes: ['a', 'b', 'c'] }]),
      ],
      ['inputs', (m) => (m['inputs'] = [{ name: 'input', dtype: 'float32', shape: [-1, 3] }])],
      ['inputs.0.dtype', (m) => (m['inputs'] = [{ name: 'x', dtype: 'int64', shape: [-1, 3] }])],
      ['inputs.0.shape.1', (m) => (m['inputs'] = [{ name: 'x', dtype: 'float32', shape: [-1, 4] }])],
      ['inputs.0.shape.0', (m) => (m['inputs'] = [{ name: 'x', dtype: 'float32', shape: [2, 3] }])],
      ['name', (m) => (m['name'] = 'other')],
      // An embedding output the file does not have.
      [
        'outputs',
        (m) =>
          (m['embeddings'] = [{ name: 'embedding', dtype: 'float32', shape: [-1, 8], normalized: false }]),
      ],
    ];
    for (const [field, edit] of cases) {
      await cp('test/fixtures/models/tiny/1/manifest.json', manifestPath());
      await editManifest(edit);
      const error = await repo()
        .load('tiny', '1')
        .catch((e: unknown) => e);
      expect(error, field).toMatchObject({ code: 'IW_MODEL_MANIFEST', details: { field } });
    }
  });
});
