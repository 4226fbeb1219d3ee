import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { convertGraphModel, type TfjsGraphNode } from './tfjs-to-onnx/graph-to-onnx.js';
import { convertLayersModel, type ConvertedModel } from './tfjs-to-onnx/layers-to-onnx.js';
import type { KerasModelTopology } from './tfjs-to-onnx/keras-layers.js';
import { loadNsfwjsModel, NSFWJS_VERSION, type NsfwjsModelName, type TfjsArtifacts } from './tfjs-to-onnx/nsfwjs-package.js';
import type { WeightStorage } from './tfjs-to-onnx/onnx-graph.js';
import { sha256Hex } from './tfjs-to-onnx/source-files.js';
import { decodeWeights } from './tfjs-to-onnx/weights.js';

export const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] as const;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'probabilities';
export const EMBEDDING_NAME = 'embedding';

/** Which nsfwjs model becomes which version of `image-safety`. */
export const IMAGE_SAFETY_VERSIONS: Record<
  string,
  {
    model: NsfwjsModelName;
    storage: WeightStorage;
    accuracy: number;
    architecture: string;
    /** The layer whose activation is exposed as the `embedding` output (not L2-normalised in the graph). */
    embedding?: { layer: string; what: string };
  }
> = {
  '1': {
    model: 'mobilenet_v2',
    storage: 'uint8',
    accuracy: 0.9,
    architecture: 'tfjs layers model: Keras MobileNetV2 alpha 1.0, AvgPool 7x7, Dense 256 relu, Dense 128 relu, Dense 5 softmax',
    embedding: {
      layer: 'flatten_1',
      what: 'MobileNetV2 features (out_relu, 7x7x1280) average-pooled to 1280 values: the input of the classifier head',
    },
  },
  '2': {
    model: 'mobilenet_v2_mid',
    storage: 'uint8',
    accuracy: 0.93,
    architecture: 'tfjs graph model: TF-Hub MobileNetV2 width 1.4 feature vector (input scaled to [-1, 1] inside), Dense 5 softmax',
  },
};

/** The graph node of mobilenet_v2_mid holding its 1792 pooled features (TF-Hub's feature vector). */
export const MID_FEATURE_NODE =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze';

export const modelDir = (version: string): string => path.join('models', 'image-safety', version);

export interface ImageSafetyBuild {
  bytes: Uint8Array;
  sha256: string;
  converted: ConvertedModel;
  artifacts: TfjsArtifacts;
}

export async function convertNsfwjs(
  model: NsfwjsModelName,
  storage: WeightStorage,
  embeddingLayer?: string,
): Promise<ImageSafetyBuild> {
  const artifacts = await loadNsfwjsModel(model);
  const weights = decodeWeights(artifacts.modelJson.weightsManifest, artifacts.weightData);
  const options = {
    storage,
    inputName: INPUT_NAME,
    outputName: OUTPUT_NAME,
    docString: `nsfwjs@${NSFWJS_VERSION} ${artifacts.packagePath}, converted by scripts/models/convert-nsfwjs.ts (weights ${storage})`,
    ...(embeddingLayer !== undefined && { extraOutputs: [{ layer: embeddingLayer, name: EMBEDDING_NAME }] }),
  };
  const topology = artifacts.modelJson.modelTopology;
  const converted =
    artifacts.modelJson.format === 'graph-model'
      ? convertGraphModel((topology as { node: TfjsGraphNode[] }).node, weights, options)
      : convertLayersModel(topology as KerasModelTopology, weights, options);
  return { bytes: converted.bytes, sha256: sha256Hex(converted.bytes), converted, artifacts };
}

/** The manifest of a build; `metrics` are kept from the previous manifest (they are measured separately). */
export function imageSafetyManifest(version: string, build: ImageSafetyBuild, previous: Record<string, unknown> | undefined) {
  const spec = IMAGE_SAFETY_VERSIONS[version]!;
  const size = build.converted.inputs[0]!.shape[1]!;
  return {
    name: 'image-safety',
    version,
    task: 'image-classification',
    architecture: spec.architecture,
    file: 'model.onnx',
    sha256: build.sha256,
    bytes: build.bytes.length,
    inputs: build.converted.inputs.map((io) => ({ name: io.name, dtype: io.elemType, shape: io.shape, layout: 'NHWC' })),
    outputs: build.converted.outputs
      .filter((io) => io.name !== EMBEDDING_NAME)
      .map((io) => ({ name: io.name, dtype: io.elemType, shape: io.shape, classes: [...CLASSES] })),
    ...(spec.embedding && {
      embeddings: build.converted.outputs
        .filter((io) => io.name === EMBEDDING_NAME)
        .map((io) => ({
          name: io.name,
          dtype: io.elemType,
          shape: io.shape,
          layer: spec.embedding!.layer,
          what: spec.embedding!.what,
          normalized: false,
          note: 'Raw activations (ReLU6 then average, so >= 0); the worker L2-normalises them.',
        })),
    }),
    preprocess: {
      kind: 'image',
      width: size,
      height: size,
      resize: 'bilinear-align-corners',
      channels: 'RGB',
      scale: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
    },
    source: {
      package: `nsfwjs@${NSFWJS_VERSION}`,
      path: build.artifacts.packagePath,
      files: build.artifacts.files,
      license: 'MIT',
      upstream: 'GantMan/nsfw_model (MIT)',
      weights: `${spec.storage} in the ONNX file${spec.storage === 'uint8' ? ', dequantized in-graph by Cast + Gather in a 256-entry table of q * scale + min per tensor (the values tfjs computes on load)' : ''}`,
    },
    training: {
      data:
        'Not shipped and not published with hashes. GantMan/nsfw_model reports training on images gathered ' +
        'by scraper scripts into the five classes; the split and its size are the authors\' and cannot be reproduced here.',
      sha256: null,
    },
    metrics: (previous?.metrics as Record<string, unknown> | undefined) ?? {
      authors_reported_accuracy: spec.accuracy,
      parity: null,
      nsfwjs_agreement: null,
    },
    thresholds: {
      calibrated: false,
      note:
        'Defaults chosen by hand, not calibrated: no labelled NSFW set exists in any registry. A class score ' +
        'at or above a threshold triggers that decision; block wins over review.',
      review: { Porn: 0.5, Hentai: 0.5, Sexy: 0.7 },
      block: { Porn: 0.9, Hentai: 0.9 },
    },
    build: { command: 'npm run models:image', check: 'npm run models:check' },
  };
}

export async function readManifest(version: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path.join(modelDir(version), 'manifest.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
