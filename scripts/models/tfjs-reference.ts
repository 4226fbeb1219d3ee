import * as tf from '@tensorflow/tfjs';
import type { TfjsArtifacts } from './tfjs-to-onnx/nsfwjs-package.js';

/**
 * The reference: the same model.json and weight bytes loaded by plain `@tensorflow/tfjs` (pure-JS CPU
 * backend, no native code) through `tf.io.fromMemory`, exactly what nsfwjs hands to tfjs.
 */
export async function loadTfjsReference(artifacts: TfjsArtifacts, featureLayer?: string): Promise<TfjsReference> {
  await tf.setBackend('cpu');
  const json = artifacts.modelJson;
  const weightData = artifacts.weightData.slice().buffer;
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'],
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData,
  });
  const model = json.format === 'graph-model' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  if (featureLayer === undefined) return new TfjsReference(model);
  if (!(model instanceof tf.LayersModel)) throw new Error('features are read from layers models only');
  // The same layers, one more output: the activation of `featureLayer` next to the probabilities.
  const both = tf.model({ inputs: model.inputs, outputs: [model.outputs[0]!, model.getLayer(featureLayer).output as tf.SymbolicTensor] });
  return new TfjsReference(model, both);
}

export class TfjsReference {
  constructor(
    private readonly model: tf.LayersModel | tf.GraphModel,
    private readonly withFeatures?: tf.LayersModel,
  ) {}

  /** Probabilities and the feature layer's activations (loadTfjsReference with a featureLayer). */
  async predictWithFeatures(input: Float32Array, batch: number, size: number): Promise<{ probabilities: Float32Array; features: Float32Array }> {
    if (!this.withFeatures) throw new Error('loaded without a feature layer');
    const x = tf.tensor4d(input, [batch, size, size, 3]);
    const [p, f] = this.withFeatures.predict(x) as tf.Tensor[];
    const result = { probabilities: (await p!.data()) as Float32Array, features: (await f!.data()) as Float32Array };
    tf.dispose([x, p!, f!]);
    return result;
  }

  /** Probabilities for an NHWC float batch; `size` is the square input side. */
  async predict(input: Float32Array, batch: number, size: number): Promise<Float32Array> {
    const x = tf.tensor4d(input, [batch, size, size, 3]);
    const y = this.model.predict(x) as tf.Tensor;
    const out = (await y.data()) as Float32Array;
    x.dispose();
    y.dispose();
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }
}
