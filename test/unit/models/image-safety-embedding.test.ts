import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertNsfwjs, EMBEDDING_NAME, IMAGE_SAFETY_VERSIONS, OUTPUT_NAME } from '../../../scripts/models/image-safety-build.js';
import { loadNsfwjsModel } from '../../../scripts/models/tfjs-to-onnx/nsfwjs-package.js';
import { loadTfjsReference, type TfjsReference } from '../../../scripts/models/tfjs-reference.js';
import { imageTensorSize, preprocessImage } from '../../../src/preprocess/image-tensor.js';
import { fixture, NSFWJS_SPEC, photoNames } from '../preprocess/fixtures.js';

// image-safety@1 carries a second output, `embedding` (the pooled 1280 MobileNetV2 features). It
// must leave the first output untouched, bit for bit, and equal tfjs's activation of the same layer.
const SIZE = imageTensorSize(NSFWJS_SPEC);
const DIM = 1280;
const spec = IMAGE_SAFETY_VERSIONS['1']!;
// tfjs pure JS with the extra output costs ~7 s per image here: a few photos and a drawing suffice,
// the full set goes through `npm run models:agreement`.
const IMAGES = [...photoNames().sort().slice(0, 3), 'drawing-chart.png'];
// The sha256 of models/image-safety/1/model.onnx before the embedding output existed (commit 34a8deb).
const SINGLE_OUTPUT_SHA256 = '30e01fde483e267181e58c9002c4558b41f5ea72e81dcb9368938d5e5ee8effe';

describe('image-safety@1 embedding output', () => {
  let withEmbedding: ort.InferenceSession;
  let scoresOnly: ort.InferenceSession;
  let reference: TfjsReference;
  const batch = new Float32Array((IMAGES.length + 2) * SIZE);
  const n = IMAGES.length + 2;

  beforeAll(async () => {
    const single = await convertNsfwjs(spec.model, spec.storage);
    expect(single.sha256).toBe(SINGLE_OUTPUT_SHA256);
    scoresOnly = await ort.InferenceSession.create(single.bytes, { intraOpNumThreads: 2 });
    withEmbedding = await ort.InferenceSession.create(await readFile('models/image-safety/1/model.onnx'), { intraOpNumThreads: 2 });
    reference = await loadTfjsReference(await loadNsfwjsModel(spec.model), spec.embedding!.layer);
    for (const [i, name] of IMAGES.entries()) await preprocessImage(fixture(name), NSFWJS_SPEC, { maxPixels: 50e6 }, batch, i * SIZE);
    batch.fill(1, IMAGES.length * SIZE, (IMAGES.length + 1) * SIZE); // all white; the last row stays black
  }, 60_000);

  afterAll(async () => {
    reference?.dispose();
    await Promise.all([withEmbedding?.release(), scoresOnly?.release()]);
  });

  const feed = () => ({ input: new ort.Tensor('float32', batch.slice(), [n, 224, 224, 3]) });

  it('lists the embedding as its second output', () => {
    expect(withEmbedding.outputNames).toEqual([OUTPUT_NAME, EMBEDDING_NAME]);
  });

  it('leaves the probabilities bit for bit equal to the single-output build', async () => {
    const a = (await withEmbedding.run(feed()))[OUTPUT_NAME]!.data as Float32Array;
    const b = (await scoresOnly.run(feed()))[OUTPUT_NAME]!.data as Float32Array;
    expect(a.length).toBe(n * 5);
    expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true);
  });

  it("equals tfjs's flatten_1 activation for the same inputs", async () => {
    const out = await withEmbedding.run(feed());
    const ours = out[EMBEDDING_NAME]!;
    expect(ours.dims).toEqual([n, DIM]);
    const { probabilities, features } = await reference.predictWithFeatures(batch, n, 224);
    const data = ours.data as Float32Array;
    let maxAbs = 0;
    let minCosine = 1;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < DIM; k++) {
        const x = data[i * DIM + k]!;
        const y = features[i * DIM + k]!;
        maxAbs = Math.max(maxAbs, Math.abs(x - y));
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      minCosine = Math.min(minCosine, na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb));
    }
    console.log(`embedding parity: ${n} inputs, max |d| ${maxAbs.toExponential(2)}, min cosine ${minCosine}`);
    expect(maxAbs).toBeLessThanOrEqual(1e-4);
    expect(minCosine).toBeGreaterThan(0.999999);
    // The probabilities the reference computed alongside stay in parity too.
    const p = out[OUTPUT_NAME]!.data as Float32Array;
    expect(Math.max(...Array.from(p, (v, i) => Math.abs(v - probabilities[i]!)))).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
