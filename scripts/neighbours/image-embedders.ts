/**
 * The image embedders the near-duplicate evaluation compares, each bytes -> L2-normalised vector:
 * image-safety@1's `embedding` output (what the worker serves), and the 1792-d TF-Hub MobileNetV2 1.4
 * feature vector inside nsfwjs's mobilenet_v2_mid (image-safety@2), converted in memory with that
 * node as an extra output; then other poolings of image-safety@1's out_relu map (GeM p=3, MAC,
 * R-MAC: converted in memory with the map as an extra output, pooled here), and the served embedding
 * centred or PCA-whitened by the fixture photos alone.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { preprocessImage, type ImagePreprocessSpec } from '../../src/preprocess/image-tensor.js';
import { l2Normalize } from '../../src/neighbours/vector-math.js';
import {
  convertNsfwjs,
  EMBEDDING_NAME,
  INPUT_NAME,
  MID_FEATURE_NODE,
  OUTPUT_NAME,
} from '../models/image-safety-build.js';
import { convertLayersModel } from '../models/tfjs-to-onnx/layers-to-onnx.js';
import type { KerasModelTopology } from '../models/tfjs-to-onnx/keras-layers.js';
import { loadNsfwjsModel } from '../models/tfjs-to-onnx/nsfwjs-package.js';
import { decodeWeights } from '../models/tfjs-to-onnx/weights.js';
import { type FeatureMap, gemPool, learnWhitening, macPool, rmacPool } from './feature-pooling.js';

export interface ImageEmbedder {
  readonly name: string;
  readonly dimension: number;
  embed(bytes: Uint8Array): Promise<Float32Array>;
  close(): Promise<void>;
}

/** image-safety@1's preprocessing (its manifest's), shared with the index benches. */
export const SPEC: ImagePreprocessSpec = {
  kind: 'image',
  width: 224,
  height: 224,
  resize: 'bilinear-align-corners',
  channels: 'RGB',
  scale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
};

const MAP_NAME = 'out_relu_map';

async function onnxEmbedder(
  name: string,
  model: Uint8Array,
  dimension: number,
  vector: (out: ort.Tensor) => Float32Array = (out) => Float32Array.from(out.data as Float32Array),
  output = EMBEDDING_NAME,
): Promise<ImageEmbedder> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  return {
    name,
    dimension,
    async embed(bytes) {
      const x = new Float32Array(224 * 224 * 3);
      await preprocessImage(bytes, SPEC, { maxPixels: 50e6 }, x, 0);
      const out = await session.run({ input: new ort.Tensor('float32', x, [1, 224, 224, 3]) });
      return l2Normalize(vector(out[output]!));
    },
    close: () => session.release(),
  };
}

/** image-safety@1's network with its out_relu activation (1280x7x7, NCHW) as an extra output. */
async function mapModel(): Promise<Uint8Array> {
  const artifacts = await loadNsfwjsModel('mobilenet_v2');
  const weights = decodeWeights(artifacts.modelJson.weightsManifest, artifacts.weightData);
  return convertLayersModel(artifacts.modelJson.modelTopology as KerasModelTopology, weights, {
    storage: 'uint8',
    inputName: INPUT_NAME,
    outputName: OUTPUT_NAME,
    docString: 'out_relu map for scripts/neighbours/evaluate.ts',
    extraOutputs: [{ layer: 'out_relu', name: MAP_NAME, map: true }],
  }).bytes;
}

const featureMap = (t: ort.Tensor): FeatureMap => {
  const [, channels, height, width] = t.dims as number[];
  return { data: t.data as Float32Array, channels: channels!, height: height!, width: width! };
};

/** `base`'s vectors mapped by a transform learned on the fixture photos' vectors, re-normalised. */
async function learned(
  base: ImageEmbedder,
  name: string,
  fixtures: readonly Uint8Array[],
  whiten: boolean,
): Promise<ImageEmbedder> {
  const samples: Float32Array[] = [];
  for (const bytes of fixtures) samples.push(await base.embed(bytes));
  const map = learnWhitening(samples, whiten);
  return {
    name,
    dimension: map(samples[0]!).length,
    embed: async (bytes) => l2Normalize(map(await base.embed(bytes))),
    close: async () => {},
  };
}

/** `fixtures`: the bytes of the fixture photos, the only data a learned transform may see. */
export async function imageEmbedders(fixtures: readonly Uint8Array[]): Promise<ImageEmbedder[]> {
  const served = await readFile('models/image-safety/1/model.onnx');
  const mid = await convertNsfwjs('mobilenet_v2_mid', 'uint8', MID_FEATURE_NODE);
  const map = await mapModel();
  const servedEmbedder = await onnxEmbedder(
    'image-safety@1 embedding (MobileNetV2 1.0, 1280-d)',
    served,
    1280,
  );
  const pooled = (name: string, pool: (m: FeatureMap) => Float32Array) =>
    onnxEmbedder(name, map, 1280, (t) => pool(featureMap(t)), MAP_NAME);
  return [
    servedEmbedder,
    await onnxEmbedder(
      'image-safety@2 features (TF-Hub MobileNetV2 1.4 feature vector, 1792-d)',
      mid.bytes,
      1792,
    ),
    await pooled('image-safety@1 out_relu GeM p=3 (1280-d)', (m) => gemPool(m, 3)),
    await pooled('image-safety@1 out_relu MAC (1280-d)', macPool),
    await pooled('image-safety@1 out_relu R-MAC 3 levels (1280-d)', (m) => rmacPool(m, 3)),
    await learned(servedEmbedder, 'image-safety@1 embedding centred on the fixture photos', fixtures, false),
    await learned(
      servedEmbedder,
      'image-safety@1 embedding PCA-whitened on the fixture photos',
      fixtures,
      true,
    ),
  ];
}
