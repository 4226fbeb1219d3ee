/**
 * The models' offline scores, computed without the worker: one plain onnxruntime session per model,
 * batch of one, the same preprocessing functions. The worker's labels must carry exactly these.
 * Images are decoded as the worker decodes them by default (`IMAGE_DECODE_SHRINK`'s default).
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ENV_VARIABLES } from '../../src/config/env-variables.js';
import { SHRINK_TO } from '../../src/preprocess/image-decode.js';
import { preprocessImage, type ImagePreprocessSpec } from '../../src/preprocess/image-tensor.js';
import { pinText } from '../../src/preprocess/pin-text.js';
import { TextFeaturizer } from '../../src/preprocess/text-features.js';
import { padTextBatch } from '../../src/preprocess/text-tensor.js';

type Manifest = {
  inputs: { name: string }[];
  outputs: { name: string; classes: string[] }[];
  preprocess: never;
};
const shrinkByDefault = ENV_VARIABLES.IMAGE_DECODE_SHRINK.schema.parse(undefined) as boolean;
const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as Manifest;

export class OfflineScores {
  private constructor(
    private readonly image: ort.InferenceSession,
    private readonly imageManifest: Manifest,
    private readonly text: ort.InferenceSession,
    private readonly textManifest: Manifest,
  ) {}

  static async load(modelsDir = 'models'): Promise<OfflineScores> {
    const imageDir = `${modelsDir}/image-safety/1`;
    const textDir = `${modelsDir}/text-spam/1`;
    return new OfflineScores(
      await ort.InferenceSession.create(`${imageDir}/model.onnx`, { intraOpNumThreads: 1 }),
      readManifest(imageDir),
      await ort.InferenceSession.create(`${textDir}/model.onnx`, { intraOpNumThreads: 1 }),
      readManifest(textDir),
    );
  }

  async imageScores(bytes: Buffer): Promise<Record<string, number>> {
    const spec = this.imageManifest.preprocess as ImagePreprocessSpec;
    const tensor = await preprocessImage(bytes, spec, {
      maxPixels: 50_000_000,
      ...(shrinkByDefault && { shrinkTo: SHRINK_TO }),
    });
    const input = new ort.Tensor('float32', tensor, [1, spec.height, spec.width, 3]);
    const out = await this.image.run({ [this.imageManifest.inputs[0]!.name]: input });
    return named(this.imageManifest.outputs[0]!, out);
  }

  async textScores(fields: {
    title: string | null;
    description: string | null;
    link: string | null;
  }): Promise<Record<string, number>> {
    const featurizer = new TextFeaturizer(this.textManifest.preprocess);
    const text = pinText({
      title: fields.title ?? '',
      description: fields.description ?? '',
      link: fields.link ?? '',
    });
    const t = padTextBatch([featurizer.featurize(text)]);
    const out = await this.text.run({
      indices: new ort.Tensor('int64', t.indices, t.dims),
      values: new ort.Tensor('float32', t.values, t.dims),
    });
    return named(this.textManifest.outputs[0]!, out);
  }

  async close(): Promise<void> {
    await Promise.all([this.image.release(), this.text.release()]);
  }
}

function named(
  output: { name: string; classes: string[] },
  result: ort.InferenceSession.ReturnType,
): Record<string, number> {
  const data = result[output.name]!.data as Float32Array;
  return Object.fromEntries(output.classes.map((cls, i) => [cls, data[i]!]));
}
