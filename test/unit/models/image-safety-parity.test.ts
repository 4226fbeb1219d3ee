import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNsfwjsModel } from '../../../scripts/models/tfjs-to-onnx/nsfwjs-package.js';
import { loadTfjsReference, type TfjsReference } from '../../../scripts/models/tfjs-reference.js';
import { imageTensorSize, preprocessImage } from '../../../src/preprocess/image-tensor.js';
import { fixture, NSFWJS_SPEC, photoNames } from '../preprocess/fixtures.js';

// Identical float tensors into the reference (tfjs, pure JS, the same model.json and weights) and
// into onnxruntime running our converted file. tfjs pure JS costs about 1.5 s per image here.
// Version 1 gets the full set (20 inputs); version 2, the larger optional model, a smaller one.
const SIZE = imageTensorSize(NSFWJS_SPEC);
const CLASSES = 5;
const ALL_IMAGES = [...photoNames(), 'drawing-house.png', 'drawing-chart.png', 'drawing-smiley.png', 'odd-alpha.png', 'odd-cmyk.jpg'];
const CASES = [
  { version: '1', model: 'mobilenet_v2', images: ALL_IMAGES, synthetic: 4 },
  { version: '2', model: 'mobilenet_v2_mid', images: ['photo-china.jpg', 'photo-astronaut.jpg', 'photo-rocket.jpg', 'drawing-chart.png'], synthetic: 4 },
] as const;

function syntheticTensor(kind: number): Float32Array {
  const x = new Float32Array(SIZE);
  let s = 12345;
  for (let i = 0; i < SIZE; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = [0, 1, s / 2147483648, Math.floor(i / (224 * 3)) / 223][kind]!; // zeros, ones, noise, gradient
  }
  return x;
}

const argmax = (p: Float32Array, i: number) => {
  const row = Array.from(p.subarray(i * CLASSES, (i + 1) * CLASSES));
  return row.indexOf(Math.max(...row));
};
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe.each(CASES)('image-safety@$version ONNX equals the nsfwjs $model tfjs model', ({ version, model, images, synthetic }) => {
  const IMAGES = images as readonly string[];
  const SYNTHETIC = synthetic;
  let reference: TfjsReference;
  let session: ort.InferenceSession;
  let inputName: string;
  let outputName: string;
  let extraOutputs: string[];
  const n = IMAGES.length + SYNTHETIC;
  const batch = new Float32Array(n * SIZE);

  beforeAll(async () => {
    reference = await loadTfjsReference(await loadNsfwjsModel(model));
    session = await ort.InferenceSession.create(await readFile(`models/image-safety/${version}/model.onnx`), { intraOpNumThreads: 2 });
    const manifest = JSON.parse(await readFile(`models/image-safety/${version}/manifest.json`, 'utf8')) as {
      inputs: { name: string }[];
      outputs: { name: string }[];
      embeddings?: { name: string }[];
    };
    inputName = manifest.inputs[0]!.name;
    outputName = manifest.outputs[0]!.name;
    extraOutputs = (manifest.embeddings ?? []).map((e) => e.name);
    for (const [i, name] of IMAGES.entries()) await preprocessImage(fixture(name), NSFWJS_SPEC, { maxPixels: 50e6 }, batch, i * SIZE);
    for (let k = 0; k < SYNTHETIC; k++) batch.set(syntheticTensor(k), (IMAGES.length + k) * SIZE);
  }, 60_000);

  afterAll(async () => {
    reference?.dispose();
    await session?.release();
  });

  const run = async (x: Float32Array, count: number) => {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', x, [count, 224, 224, 3]) });
    return out[outputName]!.data as Float32Array;
  };

  it('names its input and output as the manifest says', () => {
    expect(session.inputNames).toEqual([inputName]);
    expect(session.outputNames).toEqual([outputName, ...extraOutputs]);
  });

  it(`gives the reference's probabilities on ${images.length} fixture images and ${synthetic} synthetic tensors`, async () => {
    const expected = await reference.predict(batch, n, 224);
    const actual = await run(batch, n);
    expect(actual.length).toBe(n * CLASSES);
    const delta = maxAbsDiff(actual, expected);
    const agree = Array.from({ length: n }, (_, i) => argmax(actual, i) === argmax(expected, i)).filter(Boolean).length;
    console.log(`parity image-safety@${version}: ${n} inputs, max |dp| ${delta.toExponential(2)}, argmax agreement ${agree}/${n}`);
    expect(delta).toBeLessThanOrEqual(1e-4);
    expect(agree).toBe(n);
    // Rows sum to one: the softmax is inside the model.
    for (let i = 0; i < n; i++) expect(actual.subarray(i * CLASSES, (i + 1) * CLASSES).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  }, 120_000);

  it('gives the same results for a batch as for single images', async () => {
    const batched = await run(batch, n);
    const single = new Float32Array(n * CLASSES);
    for (let i = 0; i < n; i++) single.set(await run(batch.slice(i * SIZE, (i + 1) * SIZE), 1), i * CLASSES);
    const delta = maxAbsDiff(batched, single);
    console.log(`image-safety@${version} batch of ${n} vs single: max |dp| ${delta.toExponential(2)}`);
    expect(delta).toBeLessThanOrEqual(1e-6);
  }, 60_000);
});
