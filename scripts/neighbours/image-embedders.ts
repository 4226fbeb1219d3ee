/**
 * The image embedders the near-duplicate evaluation compares, each bytes -> L2-normalised vector:
 * image-safety@1's `embedding` output (what the worker serves), and the 1792-d TF-Hub MobileNetV2 1.4
 * feature vector inside nsfwjs's mobilenet_v2_mid (image-safety@2), converted in memory with that
 * node as an extra output.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { preprocessImage, type ImagePreprocessSpec } from '../../src/preprocess/image-tensor.js';
import { l2Normalize } from '../../src/neighbours/vector-math.js';
import { convertNsfwjs, EMBEDDING_NAME, MID_FEATURE_NODE } from '../models/image-safety-build.js';

export interface ImageEmbedder {
  readonly name: string;
  readonly dimension: number;
  embed(bytes: Uint8Array): Promise<Float32Array>;
  close(): Promise<void>;
}

const SPEC: ImagePreprocessSpec = {
  kind: 'image',
  width: 224,
  height: 224,
  resize: 'bilinear-align-corners',
  channels: 'RGB',
  scale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
};

async function onnxEmbedder(name: string, model: Uint8Array, dimension: number): Promise<ImageEmbedder> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  return {
    name,
    dimension,
    async embed(bytes) {
      const x = new Float32Array(224 * 224 * 3);
      await preprocessImage(bytes, SPEC, { maxPixels: 50e6 }, x, 0);
      const out = await session.run({ input: new ort.Tensor('float32', x, [1, 224, 224, 3]) });
      return l2Normalize(Float32Array.from(out[EMBEDDING_NAME]!.data as Float32Array));
    },
    close: () => session.release(),
  };
}

export async function imageEmbedders(): Promise<ImageEmbedder[]> {
  const served = await readFile('models/image-safety/1/model.onnx');
  const mid = await convertNsfwjs('mobilenet_v2_mid', 'uint8', MID_FEATURE_NODE);
  return [
    await onnxEmbedder('image-safety@1 embedding (MobileNetV2 1.0, 1280-d)', served, 1280),
    await onnxEmbedder(
      'image-safety@2 features (TF-Hub MobileNetV2 1.4 feature vector, 1792-d)',
      mid.bytes,
      1792,
    ),
  ];
}
