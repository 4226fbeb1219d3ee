import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { EMBEDDING_NAME, INPUT_NAME, OUTPUT_NAME } from '../../../scripts/models/image-safety-build.js';
import type { KerasModelTopology } from '../../../scripts/models/tfjs-to-onnx/keras-layers.js';
import { convertLayersModel } from '../../../scripts/models/tfjs-to-onnx/layers-to-onnx.js';
import { loadNsfwjsModel } from '../../../scripts/models/tfjs-to-onnx/nsfwjs-package.js';
import { decodeWeights } from '../../../scripts/models/tfjs-to-onnx/weights.js';
import {
  type FeatureMap,
  gemPool,
  learnWhitening,
  macPool,
  rmacPool,
} from '../../../scripts/neighbours/feature-pooling.js';
import { l2Normalize } from '../../../src/neighbours/vector-math.js';
import { imageTensorSize, preprocessImage } from '../../../src/preprocess/image-tensor.js';
import { fixture, NSFWJS_SPEC } from '../preprocess/fixtures.js';

// The poolings the near-duplicate evaluation compares (scripts/neighbours/evaluate.ts), and the
// converter's spatial extra output they read.
function randomMap(channels: number, height: number, width: number, seed: number): FeatureMap {
  let s = seed;
  const data = Float32Array.from({ length: channels * height * width }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 6;
  });
  return { data, channels, height, width };
}
const cell = (m: FeatureMap, c: number, y: number, x: number) =>
  m.data[c * m.height * m.width + y * m.width + x]!;

describe('feature poolings', () => {
  const m = randomMap(5, 7, 7, 1);

  it('GeM with p = 1 is the average and grows towards the maximum with p', () => {
    const avg = gemPool(m, 1);
    const gem3 = gemPool(m, 3);
    const mac = macPool(m);
    for (let c = 0; c < m.channels; c++) {
      let sum = 0;
      let max = -Infinity;
      for (let y = 0; y < 7; y++)
        for (let x = 0; x < 7; x++) {
          sum += cell(m, c, y, x);
          max = Math.max(max, cell(m, c, y, x));
        }
      expect(avg[c]).toBeCloseTo(sum / 49, 5);
      expect(mac[c]).toBe(Math.fround(max));
      expect(gem3[c]!).toBeGreaterThan(avg[c]!);
      expect(gem3[c]!).toBeLessThan(mac[c]!);
    }
  });

  it('R-MAC at one level is the normalised MAC of the whole map, and sums 1 + 4 + 9 regions at three', () => {
    const one = rmacPool(m, 1);
    const mac = l2Normalize(macPool(m));
    for (let c = 0; c < m.channels; c++) expect(one[c]).toBeCloseTo(mac[c]!, 6);
    // Every region vector has unit norm, so the sum of 14 of them is at most 14 long.
    const three = rmacPool(m, 3);
    const norm = Math.hypot(...three);
    expect(norm).toBeGreaterThan(Math.hypot(...one));
    expect(norm).toBeLessThanOrEqual(14 + 1e-6);
  });

  it('centering removes the mean; whitening makes the samples orthonormal on the kept axes', () => {
    const samples = [1, 2, 3, 4, 5, 6].map((seed) => l2Normalize(randomMap(40, 1, 1, seed).data));
    const centre = learnWhitening(samples, false);
    const centred = samples.map(centre);
    for (let i = 0; i < 40; i++) expect(centred.reduce((acc, v) => acc + v[i]!, 0)).toBeCloseTo(0, 6);
    const white = samples.map(learnWhitening(samples, true));
    expect(white[0]!.length).toBe(5); // n - 1 axes from 6 samples
    for (let a = 0; a < 5; a++)
      for (let b = 0; b < 5; b++) {
        const cov = white.reduce((acc, v) => acc + v[a]! * v[b]!, 0);
        expect(cov).toBeCloseTo(a === b ? 1 : 0, 4);
      }
  });
});

describe('the converter keeps a spatial activation as an extra output', () => {
  it('maps out_relu to [C, H, W] whose average is the served embedding, probabilities unchanged', async () => {
    const artifacts = await loadNsfwjsModel('mobilenet_v2');
    const weights = decodeWeights(artifacts.modelJson.weightsManifest, artifacts.weightData);
    const converted = convertLayersModel(artifacts.modelJson.modelTopology as KerasModelTopology, weights, {
      storage: 'uint8',
      inputName: INPUT_NAME,
      outputName: OUTPUT_NAME,
      docString: 'test',
      extraOutputs: [{ layer: 'out_relu', name: 'map', map: true }],
    });
    expect(converted.outputs.map((o) => o.shape)).toEqual([
      [-1, 5],
      [-1, 1280, 7, 7],
    ]);
    const withMap = await ort.InferenceSession.create(converted.bytes, { intraOpNumThreads: 1 });
    const served = await ort.InferenceSession.create(await readFile('models/image-safety/1/model.onnx'), {
      intraOpNumThreads: 1,
    });
    const x = new Float32Array(imageTensorSize(NSFWJS_SPEC));
    await preprocessImage(fixture('photo-coffee.jpg'), NSFWJS_SPEC, { maxPixels: 50e6 }, x, 0);
    const feed = () => ({ input: new ort.Tensor('float32', x.slice(), [1, 224, 224, 3]) });
    const a = await withMap.run(feed());
    const b = await served.run(feed());
    expect(Buffer.from((a[OUTPUT_NAME]!.data as Float32Array).buffer)).toEqual(
      Buffer.from((b[OUTPUT_NAME]!.data as Float32Array).buffer),
    );
    const map = a['map']!;
    const avg = gemPool({ data: map.data as Float32Array, channels: 1280, height: 7, width: 7 }, 1);
    const embedding = b[EMBEDDING_NAME]!.data as Float32Array;
    let maxDiff = 0;
    for (let c = 0; c < 1280; c++) maxDiff = Math.max(maxDiff, Math.abs(avg[c]! - embedding[c]!));
    expect(maxDiff).toBeLessThan(1e-5);
    await Promise.all([withMap.release(), served.release()]);
  }, 60_000);
});
