/**
 * The yardstick: how fast this machine can turn image bytes into scores with the worker's own code and
 * nothing else (no Kafka, no HTTP, no cache, no event-loop sharing with a consumer). Decode (sharp, on
 * libuv's pool) and resize (the tfjs bilinear port) of batch k+1 overlap ORT's compute of batch k,
 * which runs in a worker-thread session exactly as in serving.
 */
import { ModelRepository, type LoadedModel } from '../../src/infer/model-repository.js';
import { decodeImage, SHRINK_TO, type ImageDecodeOptions } from '../../src/preprocess/image-decode.js';
import {
  imageTensorFromPixels,
  imageTensorSize,
  type ImagePreprocessSpec,
} from '../../src/preprocess/image-tensor.js';
import type { ImageVariant } from './image-variants.js';

export interface LimitPoint {
  threads: number;
  batch: number;
  imagesPerSecond: number;
  images: number;
  /** CPU time of the bench process (every thread) per image over the timed loop, ms. */
  cpuMsPerImage?: number;
}

export interface LimitResult {
  /** decode + preprocess + inference, every point measured. */
  points: LimitPoint[];
  best: LimitPoint;
  /** ORT alone on ready tensors at the best point's threads and batch size. */
  inferenceOnly: LimitPoint;
}

async function loadModel(
  modelsDir: string,
  ref: string,
  threads: number,
  allowSpinning: boolean,
): Promise<LoadedModel> {
  const at = ref.lastIndexOf('@');
  const repo = new ModelRepository({
    root: modelsDir,
    session: { intraOpNumThreads: threads, interOpNumThreads: 1, allowSpinning },
  });
  return repo.load(ref.slice(0, at), ref.slice(at + 1));
}

async function pipelined(
  model: LoadedModel,
  images: readonly ImageVariant[],
  batch: number,
  seconds: number,
  decode: ImageDecodeOptions,
): Promise<LimitPoint & { threads: number }> {
  const spec = model.manifest.preprocess as unknown as ImagePreprocessSpec;
  const input = model.manifest.inputs[0]!;
  const rowLength = imageTensorSize(spec);
  let cursor = 0;
  const prepare = async () => {
    const picked = Array.from({ length: batch }, () => images[cursor++ % images.length]!);
    const decoded = await Promise.all(picked.map((v) => decodeImage(v.bytes, decode)));
    const data = new Float32Array(batch * rowLength);
    decoded.forEach((image, i) => imageTensorFromPixels(image, spec, data, i * rowLength));
    return { [input.name]: { type: 'float32' as const, data, dims: [batch, spec.height, spec.width, 3] } };
  };
  await model.session.run(await prepare()); // warm-up at this batch size (ORT sizes its arenas)
  let done = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = prepare();
  while (performance.now() < deadline) {
    const feeds = await next;
    next = prepare();
    await model.session.run(feeds);
    done += batch;
  }
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await next;
  return {
    threads: 0,
    batch,
    images: done,
    imagesPerSecond: done / elapsed,
    cpuMsPerImage: (used.user + used.system) / 1000 / done,
  };
}

async function inferenceOnly(model: LoadedModel, batch: number, seconds: number): Promise<number> {
  const spec = model.manifest.preprocess as unknown as ImagePreprocessSpec;
  const input = model.manifest.inputs[0]!;
  const size = batch * imageTensorSize(spec);
  const feeds = () => ({
    [input.name]: {
      type: 'float32' as const,
      data: Float32Array.from({ length: size }, (_, i) => ((i * 7919) % 256) / 255),
      dims: [batch, spec.height, spec.width, 3],
    },
  });
  const ready = Array.from({ length: 2 }, feeds);
  await model.session.run(feeds());
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    // The worker session transfers input buffers: hand it a copy, made before the clock-relevant call.
    const f = ready[done % 2]!;
    const copy = { [input.name]: { ...f[input.name]!, data: f[input.name]!.data.slice() } };
    await model.session.run(copy);
    done++;
  }
  return (done * batch) / ((performance.now() - started) / 1000);
}

export async function measureLimit(options: {
  modelsDir: string;
  model: string;
  images: readonly ImageVariant[];
  batches: readonly number[];
  threads: readonly number[];
  seconds: number;
  log: (line: string) => void;
  /** Decode as IMAGE_DECODE_SHRINK=on does (large JPEG/WebP shrunk on load). */
  shrink?: boolean;
  /** ORT's pool threads spin-wait, as with ORT_ALLOW_SPINNING=true (the worker's setting). */
  allowSpinning: boolean;
}): Promise<LimitResult> {
  const decode = { maxPixels: 50_000_000, ...(options.shrink && { shrinkTo: SHRINK_TO }) };
  const points: LimitPoint[] = [];
  for (const threads of options.threads) {
    const model = await loadModel(options.modelsDir, options.model, threads, options.allowSpinning);
    try {
      for (const batch of options.batches) {
        const point = {
          ...(await pipelined(model, options.images, batch, options.seconds, decode)),
          threads,
        };
        points.push(point);
        options.log(
          `limit: ORT threads ${threads}, batch ${batch}: ${point.imagesPerSecond.toFixed(1)} images/s, CPU ${point.cpuMsPerImage!.toFixed(2)} ms per image`,
        );
      }
    } finally {
      await model.session.close();
    }
  }
  const best = points.reduce((a, b) => (b.imagesPerSecond > a.imagesPerSecond ? b : a));
  const model = await loadModel(options.modelsDir, options.model, best.threads, options.allowSpinning);
  try {
    const rate = await inferenceOnly(model, best.batch, options.seconds);
    options.log(
      `limit: ORT alone, threads ${best.threads}, batch ${best.batch}: ${rate.toFixed(1)} images/s`,
    );
    return {
      points,
      best,
      inferenceOnly: { threads: best.threads, batch: best.batch, images: 0, imagesPerSecond: rate },
    };
  } finally {
    await model.session.close();
  }
}
