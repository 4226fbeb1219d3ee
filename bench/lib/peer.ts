/**
 * The peer: nsfwjs 4.4.0 (the model our image-safety@1 was converted from) on
 * @tensorflow/tfjs-backend-wasm, and on pure @tensorflow/tfjs (CPU, JavaScript) for a small subset.
 * Fed like a Node user would feed it: our sharp decode of the same bytes (full-size RGB), as an int32
 * [H, W, 3] tensor to `classify`, which divides by 255, resizes bilinear (align corners) and runs the
 * model. Counted per image: decode + tensor creation + classify (decode of the next image overlaps
 * the current classify, as in our limit), so the column compares with the limit's decode + preprocess +
 * inference. One image per call: nsfwjs classifies one image at a time.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { load, type NSFWJS } from 'nsfwjs';
import { decodeImage, type DecodedImage } from '../../src/preprocess/image-decode.js';
import type { ImageVariant } from './image-variants.js';

export interface PeerPoint {
  backend: string;
  images: number;
  imagesPerSecond: number;
  detail: string;
}

async function measure(nsfw: NSFWJS, images: readonly ImageVariant[], count: number, seconds: number) {
  const decode = (i: number) => decodeImage(images[i % images.length]!.bytes, { maxPixels: 50_000_000 });
  const classify = async (image: DecodedImage) => {
    const pixels = tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32');
    await nsfw.classify(pixels, 5);
    pixels.dispose();
  };
  await classify(await decode(0)); // warm-up: kernels compiled, weights uploaded
  let done = 0;
  const started = performance.now();
  let next = decode(0);
  while (done < count && performance.now() - started < seconds * 1000) {
    const image = await next;
    next = decode(done + 1);
    await classify(image);
    done++;
  }
  const elapsed = (performance.now() - started) / 1000;
  await next;
  return { images: done, imagesPerSecond: done / elapsed };
}

export async function measurePeer(options: {
  images: readonly ImageVariant[];
  wasmImages: number;
  cpuImages: number;
  seconds: number;
  log: (line: string) => void;
}): Promise<{ wasm: PeerPoint; cpu: PeerPoint | null }> {
  const wasmDir = join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  );
  setWasmPaths(`${wasmDir}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const nsfw = await load('MobileNetV2');
  const w = await measure(nsfw, options.images, options.wasmImages, options.seconds);
  const wasm = {
    backend: 'wasm',
    ...w,
    detail: `tfjs-backend-wasm ${tf.version.tfjs}, simd ${simd}, multithread ${threads}`,
  };
  options.log(
    `peer: nsfwjs on wasm (${wasm.detail}): ${wasm.imagesPerSecond.toFixed(2)} images/s over ${wasm.images} images`,
  );
  let cpu: PeerPoint | null = null;
  if (options.cpuImages > 0) {
    await tf.setBackend('cpu');
    const c = await measure(await load('MobileNetV2'), options.images, options.cpuImages, options.seconds);
    cpu = { backend: 'cpu', ...c, detail: `@tensorflow/tfjs ${tf.version.tfjs} cpu backend (pure JS)` };
    options.log(
      `peer: nsfwjs on pure tfjs cpu: ${cpu.imagesPerSecond.toFixed(2)} images/s over ${cpu.images} images`,
    );
  }
  return { wasm, cpu };
}
