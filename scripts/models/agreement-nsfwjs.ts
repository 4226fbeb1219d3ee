/**
 * End-to-end agreement of our pipeline with nsfwjs itself, on the fixture photos and drawings, and
 * tensor-level parity of the converted file with the tfjs model. Prints the figures and writes them
 * into `metrics` of the manifest.
 *   tsx scripts/models/agreement-nsfwjs.ts [--version 1] [--no-write]
 *
 * What nsfwjs is fed: in a browser nsfwjs takes an <img> and calls tf.browser.fromPixels (the
 * browser's decode). Node has no <img>, so nsfwjs.classify() gets an int32 [H, W, 3] tensor of the
 * full-size RGB pixels that our sharp decode produced; nsfwjs then divides by 255, resizes with
 * tf.image.resizeBilinear(alignCorners = true) and runs its tfjs model (pure-JS CPU backend). Ours:
 * the same pixels -> src/preprocess (our resize port) -> onnxruntime-node on model.onnx. The decode is
 * shared, so this measures preprocessing and model, not JPEG decoders.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { load } from 'nsfwjs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodeImage } from '../../src/preprocess/image-decode.js';
import { imageTensorFromPixels, imageTensorSize, type ImagePreprocessSpec } from '../../src/preprocess/image-tensor.js';
import { CLASSES, IMAGE_SAFETY_VERSIONS, modelDir } from './image-safety-build.js';
import { loadNsfwjsModel } from './tfjs-to-onnx/nsfwjs-package.js';
import { loadTfjsReference } from './tfjs-reference.js';

const { values } = parseArgs({ options: { version: { type: 'string', default: '1' }, 'no-write': { type: 'boolean', default: false } } });
const version = values.version;
const spec = IMAGE_SAFETY_VERSIONS[version];
if (!spec) throw new Error(`unknown version ${version}`);
const NSFWJS_NAME = { mobilenet_v2: 'MobileNetV2', mobilenet_v2_mid: 'MobileNetV2Mid' } as const;

const dir = modelDir(version);
const manifestPath = path.join(dir, 'manifest.json');
const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
  preprocess: ImagePreprocessSpec;
  inputs: { name: string }[];
  outputs: { name: string }[];
  embeddings?: { name: string }[];
  metrics: Record<string, unknown>;
};
const fixtures = 'test/fixtures/images';
const names = (await import('node:fs')).readdirSync(fixtures).filter((f) => /^(photo|drawing)-/.test(f)).sort();

await tf.setBackend('cpu');
const nsfw = await load(NSFWJS_NAME[spec.model]);
const session = await ort.InferenceSession.create(await readFile(path.join(dir, 'model.onnx')), { intraOpNumThreads: 2 });
const size = manifest.preprocess.width;
const run = async (x: Float32Array, n: number) =>
  (await session.run({ [manifest.inputs[0]!.name]: new ort.Tensor('float32', x, [n, size, size, 3]) }))[manifest.outputs[0]!.name]!.data as Float32Array;
const top = (p: ArrayLike<number>) => CLASSES[Array.from(p).indexOf(Math.max(...Array.from(p)))]!;

const per: { image: string; nsfwjs: string; ours: string; maxAbsDiff: number; sharpResize: string; sharpResizeDiff: number }[] = [];
const batch = new Float32Array(names.length * imageTensorSize(manifest.preprocess));
for (const [i, name] of names.entries()) {
  const bytes = new Uint8Array(await readFile(path.join(fixtures, name)));
  const img = await decodeImage(bytes, { maxPixels: 50e6 });
  const pixels = tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
  const classified = await nsfw.classify(pixels, CLASSES.length);
  pixels.dispose();
  const theirs = CLASSES.map((c) => classified.find((r) => r.className === c)!.probability);
  imageTensorFromPixels(img, manifest.preprocess, batch, i * imageTensorSize(manifest.preprocess));
  const ours = await run(batch.slice(i * imageTensorSize(manifest.preprocess), (i + 1) * imageTensorSize(manifest.preprocess)), 1);
  const maxAbsDiff = Math.max(...theirs.map((p, k) => Math.abs(p - ours[k]!)));
  // The road not taken: sharp's own resize (Lanczos3 with area reduction) instead of the tfjs port.
  const small = await sharp(bytes).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb').removeAlpha()
    .resize(size, size, { fit: 'fill' }).raw().toBuffer();
  const viaSharp = await run(imageTensorFromPixels({ data: small, width: size, height: size }, manifest.preprocess, new Float32Array(size * size * 3)), 1);
  const sharpResizeDiff = Math.max(...theirs.map((p, k) => Math.abs(p - viaSharp[k]!)));
  per.push({ image: name, nsfwjs: top(theirs), ours: top(ours), maxAbsDiff, sharpResize: top(viaSharp), sharpResizeDiff });
  console.log(
    `${name.padEnd(28)} nsfwjs ${top(theirs).padEnd(8)} ours ${top(ours).padEnd(8)} max |dp| ${maxAbsDiff.toExponential(2)}` +
      `   sharp resize: ${top(viaSharp).padEnd(8)} max |dp| ${sharpResizeDiff.toFixed(3)}`,
  );
}
const batched = await run(batch, names.length);
let batchVsSingle = 0;
for (let i = 0; i < names.length; i++) {
  const single = await run(batch.slice(i * imageTensorSize(manifest.preprocess), (i + 1) * imageTensorSize(manifest.preprocess)), 1);
  for (let k = 0; k < CLASSES.length; k++) batchVsSingle = Math.max(batchVsSingle, Math.abs(single[k]! - batched[i * CLASSES.length + k]!));
}
// Tensor-level parity: the same float batch (fixtures plus four synthetic tensors) into tfjs and ORT.
const synthetic = Float32Array.from({ length: 4 * size * size * 3 }, (_, i) => {
  const k = Math.floor(i / (size * size * 3));
  return [0, 1, ((i * 2654435761) % 4294967296) / 4294967296, Math.floor((i % (size * size * 3)) / (size * 3)) / (size - 1)][k]!;
});
const all = new Float32Array(batch.length + synthetic.length);
all.set(batch);
all.set(synthetic, batch.length);
const count = names.length + 4;
const reference = await loadTfjsReference(await loadNsfwjsModel(spec.model), spec.embedding?.layer);
const expected = await reference.predict(all, count, size);
const actual = await run(all, count);
const embeddingParity = spec.embedding && (await measureEmbeddingParity());
let parityDiff = 0;
let argmaxAgree = 0;
for (let i = 0; i < count; i++) {
  const e = expected.subarray(i * CLASSES.length, (i + 1) * CLASSES.length);
  const a = actual.subarray(i * CLASSES.length, (i + 1) * CLASSES.length);
  for (let k = 0; k < CLASSES.length; k++) parityDiff = Math.max(parityDiff, Math.abs(e[k]! - a[k]!));
  if (top(e) === top(a)) argmaxAgree++;
}
reference.dispose();
const parity = {
  reference: `@tensorflow/tfjs ${tf.version.tfjs} cpu backend, tf.io.fromMemory of the pinned model.json and weights`,
  inputs: count,
  max_abs_diff: parityDiff,
  argmax_agreement: argmaxAgree / count,
  batch_vs_single_max_abs_diff: 0 as number,
  measured_with: 'npm run models:agreement (also asserted by test/unit/models/image-safety-parity.test.ts)',
};
const agreement = {
  reference: `nsfwjs@4.4.0 classify() on @tensorflow/tfjs ${tf.version.tfjs} (cpu backend), fed int32 RGB tensors of our sharp decode`,
  images: per.length,
  top_class_agreement: per.filter((r) => r.nsfwjs === r.ours).length / per.length,
  max_abs_diff: Math.max(...per.map((r) => r.maxAbsDiff)),
  measured_with: 'npm run models:agreement',
};
parity.batch_vs_single_max_abs_diff = batchVsSingle;
const sharpResize = {
  note: "Not used: sharp's resize(224, 224, fill) instead of the tfjs bilinear port, measured against nsfwjs",
  top_class_agreement: per.filter((r) => r.nsfwjs === r.sharpResize).length / per.length,
  max_abs_diff: Math.max(...per.map((r) => r.sharpResizeDiff)),
};
console.log(JSON.stringify({ parity, nsfwjs_agreement: agreement, sharp_resize_instead: sharpResize, embedding_parity: embeddingParity }, null, 2));
if (!values['no-write']) {
  manifest.metrics = {
    ...manifest.metrics,
    parity,
    nsfwjs_agreement: agreement,
    sharp_resize_instead: sharpResize,
    ...(embeddingParity && { embedding_parity: embeddingParity }),
  };
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`metrics written to ${manifestPath}`);
}
nsfw.dispose();
await session.release();

/** The `embedding` output against tfjs's activation of the same layer, on the same float batch. */
async function measureEmbeddingParity() {
  const name = manifest.embeddings![0]!.name;
  const ours = (await session.run({ [manifest.inputs[0]!.name]: new ort.Tensor('float32', all, [count, size, size, 3]) }))[name]!;
  const dim = ours.dims[1]!;
  const { features } = await reference.predictWithFeatures(all, count, size);
  const data = ours.data as Float32Array;
  let maxAbsDiff = 0;
  let minCosine = 1;
  for (let i = 0; i < count; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < dim; k++) {
      const [x, y] = [data[i * dim + k]!, features[i * dim + k]!];
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(x - y));
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    minCosine = Math.min(minCosine, na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb));
  }
  return {
    reference: `@tensorflow/tfjs ${tf.version.tfjs} cpu backend, activation of layer ${spec!.embedding!.layer}`,
    inputs: count,
    dimension: dim,
    max_abs_diff: maxAbsDiff,
    min_cosine: minCosine,
    measured_with: 'npm run models:agreement (also asserted by test/unit/models/image-safety-embedding.test.ts)',
  };
}
