/**
 * Writes the calibration inputs of image-safety@3's static quantization: the worker's own
 * preprocessing (sharp decode + the tfjs bilinear port, `src/preprocess/image-tensor.ts`) of every
 * benign photo in `--photos` (the folder `scripts/neighbours/fetch-eval-photos.sh` prints: sample
 * photos of the scikit-image and matplotlib wheels) and of four deterministic variants of each
 * (mirror, two crops, half size). None of them is a fixture photo or a bench variant of one, so the
 * photos the agreement report is measured on never calibrate the model.
 * Output: `<out>.f32` (N x 224 x 224 x 3 float32, little-endian, NHWC) and `<out>.json` (the list).
 *   tsx scripts/models/quantize/calibration-tensors.ts --photos DIR --out FILE-PREFIX
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { imageTensorSize, preprocessImage, type ImagePreprocessSpec } from '../../../src/preprocess/image-tensor.js';

const { values } = parseArgs({
  options: {
    photos: { type: 'string' },
    out: { type: 'string' },
    manifest: { type: 'string', default: 'models/image-safety/1/manifest.json' },
  },
});
if (!values.photos || !values.out) {
  console.error('usage: calibration-tensors.ts --photos DIR --out FILE-PREFIX');
  process.exit(1);
}
const spec = (JSON.parse(await readFile(values.manifest, 'utf8')) as { preprocess: ImagePreprocessSpec })
  .preprocess;

type Variant = [string, (image: sharp.Sharp, width: number, height: number) => sharp.Sharp];
const VARIANTS: Variant[] = [
  ['original', (s) => s],
  ['mirror', (s) => s.flop()],
  ['crop-top-left', (s, w, h) => s.extract({ left: 0, top: 0, width: Math.round(w * 0.8), height: Math.round(h * 0.8) })],
  [
    'crop-centre',
    (s, w, h) =>
      s.extract({
        left: Math.round(w * 0.15),
        top: Math.round(h * 0.15),
        width: Math.round(w * 0.7),
        height: Math.round(h * 0.7),
      }),
  ],
  ['half-size', (s, w, h) => s.resize(Math.max(1, Math.round(w / 2)), Math.max(1, Math.round(h / 2)))],
];

const names = (await readdir(values.photos)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
const size = imageTensorSize(spec);
const out = new Float32Array(names.length * VARIANTS.length * size);
const list: { photo: string; sha256: string; variant: string }[] = [];
for (const name of names) {
  const bytes = await readFile(path.join(values.photos, name));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const meta = await sharp(bytes).rotate().metadata();
  for (const [variant, make] of VARIANTS) {
    // PNG is lossless: the variant's pixels are exactly the transform's.
    const variantBytes = await make(sharp(bytes).rotate(), meta.width!, meta.height!).png().toBuffer();
    await preprocessImage(new Uint8Array(variantBytes), spec, { maxPixels: 50e6 }, out, list.length * size);
    list.push({ photo: name, sha256, variant });
  }
}
await writeFile(`${values.out}.f32`, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
await writeFile(`${values.out}.json`, `${JSON.stringify({ shape: [list.length, spec.height, spec.width, 3], inputs: list }, null, 2)}\n`);
console.error(`[calibration] ${list.length} inputs from ${names.length} photos -> ${values.out}.f32`);
