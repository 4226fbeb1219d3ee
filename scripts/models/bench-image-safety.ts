/**
 * Prints onnxruntime-node latency of every image-safety version on this machine: per batch size, the
 * median time per batch and per image (2 intra-op threads), plus session creation and our
 * preprocessing (sharp decode + resize port) per fixture photo. Figures only; nothing is asserted.
 *   tsx scripts/models/bench-image-safety.ts [--threads 2] [--seconds 3]
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { imageTensorSize, preprocessImage, type ImagePreprocessSpec } from '../../src/preprocess/image-tensor.js';

const { values } = parseArgs({ options: { threads: { type: 'string', default: '2' }, seconds: { type: 'string', default: '3' } } });
const threads = Number(values.threads);
const budgetMs = Number(values.seconds) * 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeIt(fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < 5 || (performance.now() < end && times.length < 500)) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times;
}

const root = 'models/image-safety';
for (const version of (await readdir(root)).sort()) {
  const dir = path.join(root, version);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
    preprocess: ImagePreprocessSpec;
    inputs: { name: string }[];
    bytes: number;
  };
  const bytes = await readFile(path.join(dir, 'model.onnx'));
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const createMs = performance.now() - t0;
  const size = imageTensorSize(manifest.preprocess);
  const { width, height } = manifest.preprocess;
  console.log(`image-safety@${version}: ${bytes.length} bytes, session created in ${createMs.toFixed(0)} ms, ${threads} threads`);
  for (const batch of [1, 2, 4, 8, 16, 32]) {
    const x = Float32Array.from({ length: batch * size }, (_, i) => ((i * 7919) % 256) / 255);
    const feeds = { [manifest.inputs[0]!.name]: new ort.Tensor('float32', x, [batch, height, width, 3]) };
    await session.run(feeds); // warm-up: first runs allocate arenas
    const ms = median(await timeIt(() => session.run(feeds)));
    console.log(`  batch ${String(batch).padStart(2)}: ${ms.toFixed(2).padStart(8)} ms/batch ${(ms / batch).toFixed(2).padStart(7)} ms/image`);
  }
  await session.release();
}

const fixtures = 'test/fixtures/images';
const spec = JSON.parse(await readFile(path.join(root, '1', 'manifest.json'), 'utf8')).preprocess as ImagePreprocessSpec;
const out = new Float32Array(imageTensorSize(spec));
console.log('preprocessing (sharp decode to full-size RGB + tfjs bilinear port), median per image:');
for (const name of (await readdir(fixtures)).filter((f) => f.startsWith('photo-')).sort()) {
  const bytes = new Uint8Array(await readFile(path.join(fixtures, name)));
  const ms = median(await timeIt(() => preprocessImage(bytes, spec, { maxPixels: 50e6 }, out)));
  console.log(`  ${name.padEnd(26)} ${ms.toFixed(2).padStart(7)} ms`);
}
