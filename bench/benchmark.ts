/**
 * `npm run bench`: on one machine, in one run, with the same images: the limit (decode + preprocess +
 * ONNX in a tight in-process loop, and ONNX alone), the worker end to end through the real Kafka,
 * registry, Redis and a local image server (cold cache, warm cache, text-only, paced at half the cold
 * maximum; on request text-only with a shadow text model, the cost of a shadow), and the peers
 * (nsfwjs on tfjs-backend-wasm; pure tfjs on a few images; onnxruntime + Pillow in Python,
 * bench/peer_python.py). Prints one table
 * with the ratios, writes every figure as JSON under bench/results/. Starts the local stack when it
 * is not running and stops it afterwards in that case only. See BENCHMARKS.md for the method.
 *
 *   npm run bench -- [--images 1000] [--warm-pins 20000] [--text-pins 20000] [--duration 30]
 *                    [--limit-seconds 4] [--peer-seconds 20] [--peer-cpu-images 6] [--partitions 4]
 *                    [--python-batches 1,8,16] [--python-check 32] [--skip-python-peer]
 *                    [--skip-peer] [--skip-limit] [--only cold,warm,text,paced,flood,text-shadow]
 *                    [--text-limit-batches 1,16,64,256] (text-limit: the text yardstick despite --skip-limit)
 *                    [--flood-pins 48] [--flood-budgets on|off] [--video-pins 24] (video: --only video)
 *                    [--env KEY=VALUE ...] [--node-arg=--cpu-prof ...] [--out file.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Cleanups } from '../scripts/lib/cleanups.js';
import { ensureStackStarted } from '../scripts/lib/stack-control.js';
import { uniqueName } from '../test/support/stack-env.js';
import { startImageServer } from '../test/support/image-server.js';
import { makeImageVariants } from './lib/image-variants.js';
import { BUDGETS_OFF, floodPin, makeMaxImage, variantOf } from './lib/flood.js';
import { measureLimit } from './lib/limit.js';
import { measureTextLimit } from './lib/text-limit.js';
import { modelText } from '../src/content/text-content.js';
import { ENV_VARIABLES } from '../src/config/env-variables.js';
import { describeMachine, machine } from './lib/machine.js';
import { measurePeer } from './lib/peer.js';
import { measurePythonPeer } from './lib/peer-python.js';
import { imagePin, pinText, textPin } from './lib/pins.js';
import { makeVideoVariants, videoPin } from './lib/video.js';
import { markdownTable, tableRows, textTable, type BenchResults } from './lib/report.js';
import { runPaced, runThroughput, type ScenarioOptions } from './lib/worker-scenario.js';
import type { WorkerLaunch } from './lib/worker-process.js';
import { WORKER_MALLOC_ENV } from '../src/worker-process-env.js';
import { metricSum } from '../test/support/prometheus-text.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '1000' },
    'warm-pins': { type: 'string', default: '20000' },
    'text-pins': { type: 'string', default: '20000' },
    duration: { type: 'string', default: '30' },
    'paced-rate': { type: 'string' },
    'limit-seconds': { type: 'string', default: '4' },
    'limit-batches': { type: 'string', default: '1,4,8,16,32' },
    'limit-threads': { type: 'string', default: '1,2' },
    'text-limit-batches': { type: 'string', default: '1,16,64,256' },
    'peer-seconds': { type: 'string', default: '20' },
    'peer-cpu-images': { type: 'string', default: '6' },
    partitions: { type: 'string', default: '4' },
    'python-batches': { type: 'string', default: '1,8,16' },
    'python-check': { type: 'string', default: '32' },
    'skip-peer': { type: 'boolean', default: false },
    'skip-python-peer': { type: 'boolean', default: false },
    'skip-limit': { type: 'boolean', default: false },
    only: { type: 'string', default: 'cold,warm,text,paced,flood' },
    'flood-pins': { type: 'string', default: '48' },
    'flood-budgets': { type: 'string', default: 'on' },
    'video-pins': { type: 'string', default: '24' },
    env: { type: 'string', multiple: true, default: [] },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'worker-entry': { type: 'string', default: 'compiled' },
    'malloc-env': { type: 'string', default: 'on' },
    out: { type: 'string' },
  },
});
const num = (name: keyof typeof values) => Number(values[name]);
function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${flag} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
}
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const only = new Set(list(values.only!));
const launch: WorkerLaunch = {
  entry: oneOf(values['worker-entry']!, ['compiled', 'source'] as const, '--worker-entry'),
  mallocEnv: oneOf(values['malloc-env']!, ['on', 'off'] as const, '--malloc-env') === 'on',
};
const root = new URL('..', import.meta.url);
const began = performance.now();
const log = (line: string) =>
  console.log(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);

/** The sampled process.memoryUsage() peaks of a scenario's worker, MiB, for the log line. */
const memory = (r: { memoryMiB?: { peak: Record<string, number> } }) =>
  Object.entries(r.memoryMiB?.peak ?? {})
    .map(([type, mib]) => `${type} ${mib.toFixed(0)}`)
    .join(', ') + ' MiB peak';

const extraEnv = Object.fromEntries(
  values.env!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const results: BenchResults = {
  startedAt: new Date().toISOString(),
  machine: machine(),
  options: { ...values },
  workerEnv: extraEnv,
  limit: null,
  textLimit: null,
  peer: null,
  pythonPeer: null,
  cold: null,
  warm: null,
  text: null,
  textShadow: null,
  paced: null,
  flood: null,
  video: null,
  loadAverageAtEnd: [0, 0, 0],
  totalSeconds: 0,
};
log(`machine: ${describeMachine(results.machine)}`);
log(
  `worker process: ${launch.entry === 'compiled' ? 'compiled dist/ (npm run build)' : 'sources through tsx'}, malloc settings ${
    launch.mallocEnv
      ? Object.entries(WORKER_MALLOC_ENV)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : 'glibc defaults'
  }`,
);

// What the bench starts (stack services, the image server; worker processes stop in their scenario)
// is undone however it ends: success, an error, Ctrl-C or SIGTERM.
const cleanups = new Cleanups(log);
try {
  const stack = ensureStackStarted(root, log);
  cleanups.add('stack', () => stack.stop());
  const imageCount = num('images');
  log(`making ${imageCount} distinct image variants of the fixture photos`);
  const variants = await makeImageVariants(imageCount);
  const meanKiB = variants.reduce((a, v) => a + v.bytes.length, 0) / variants.length / 1024;
  log(`variants ready: mean ${meanKiB.toFixed(0)} KiB`);
  const server = await startImageServer({
    files: Object.fromEntries(variants.map((v) => [v.name, v.bytes])),
  });
  cleanups.add('image server', () => server.close());
  const url = (i: number) => server.url(`/images/${variants[i % variants.length]!.name}`);

  // ORT's spinning as the worker under test runs it (its env, else the default).
  const allowSpinning = ENV_VARIABLES.ORT_ALLOW_SPINNING.schema.parse(
    extraEnv.ORT_ALLOW_SPINNING ?? process.env.ORT_ALLOW_SPINNING,
  ) as boolean;
  if (!values['skip-limit']) {
    results.limit = await measureLimit({
      modelsDir: 'models',
      model: extraEnv.IMAGE_MODEL ?? 'image-safety@1',
      images: variants,
      batches: list(values['limit-batches']!).map(Number),
      threads: list(values['limit-threads']!).map(Number),
      seconds: num('limit-seconds'),
      log,
      allowSpinning,
      // Decode as the worker under test does (its env, else the default).
      shrink: ENV_VARIABLES.IMAGE_DECODE_SHRINK.schema.parse(
        extraEnv.IMAGE_DECODE_SHRINK ?? process.env.IMAGE_DECODE_SHRINK,
      ) as boolean,
    });
  }
  // The text yardstick, with the text scenario's model (the default unless --env TEXT_MODEL) and texts.
  if (!values['skip-limit'] || only.has('text-limit')) {
    results.textLimit = await measureTextLimit({
      modelsDir: 'models',
      // The text scenario's model: --env TEXT_MODEL, else TEXT_MODEL's default (see scenario()).
      model: extraEnv.TEXT_MODEL ?? ENV_VARIABLES.TEXT_MODEL.defaultText,
      texts: Array.from({ length: num('text-pins') }, (_, i) => modelText(pinText(1_000_000 + i))!),
      batches: list(values['text-limit-batches']!).map(Number),
      workerBatch: Number(extraEnv.TEXT_MAX_BATCH ?? 16),
      seconds: num('limit-seconds'),
      log,
      allowSpinning,
    });
  }
  if (!values['skip-peer']) {
    results.peer = await measurePeer({
      images: variants,
      wasmImages: imageCount,
      cpuImages: num('peer-cpu-images'),
      seconds: num('peer-seconds'),
      log,
    });
  }
  if (!values['skip-peer'] && !values['skip-python-peer']) {
    results.pythonPeer = await measurePythonPeer({
      root,
      modelsDir: 'models',
      model: extraEnv.IMAGE_MODEL ?? 'image-safety@1',
      images: variants,
      batches: list(values['python-batches']!).map(Number),
      threads: list(values['limit-threads']!).map(Number),
      seconds: num('limit-seconds'),
      checkImages: num('python-check'),
      log,
    });
  }
  // The stages each scenario must run (a missing one fails the bench instead of a silent NaN): images
  // are fetched, decoded and scored when cold; warm pins are answered by the cache.
  const scored = [
    'decode',
    'cache-lookup',
    'preprocess',
    'infer',
    'cache-write',
    'policy',
    'encode',
  ] as const;
  const stagesOf = {
    cold: [...scored, 'fetch'],
    warm: ['decode', 'cache-lookup', 'policy', 'encode'],
    text: scored,
    paced: [...scored, 'fetch'],
    flood: [...scored, 'fetch'],
    'text-shadow': scored,
    video: [...scored, 'fetch'],
  } as const;
  const scenario = (name: keyof typeof stagesOf, env: Record<string, string>): ScenarioOptions => ({
    root,
    name,
    stages: stagesOf[name],
    partitions: num('partitions'),
    // The served set as deployed (the harness's worker env is the tests': text-spam@1, policy-v1).
    env: {
      TEXT_MODEL: ENV_VARIABLES.TEXT_MODEL.defaultText,
      POLICY_FILE: ENV_VARIABLES.POLICY_FILE.defaultText,
      ...env,
      ...extraEnv,
    },
    timeoutMs: 300_000,
    nodeArgs: values['node-arg']!,
    launch,
    log,
    shadow: name === 'text-shadow',
  });
  // Cold and warm share a namespace (warm = content the cold run scored); the others get their own.
  const coldNamespace = uniqueName('bench-cold');
  if (only.has('cold') || only.has('warm')) {
    results.cold = await runThroughput(scenario('cold', { CACHE_NAMESPACE: coldNamespace }), () =>
      variants.map((v, i) => imagePin(v, url(i), i)),
    );
    log(
      `cold: ${results.cold.pinsPerSecond.toFixed(1)} pins/s, peak RSS ${results.cold.peakRssMiB.toFixed(0)} MiB (ready ${results.cold.readyRssMiB.toFixed(0)}; main thread ${memory(results.cold)}), unscored ${results.cold.unscored}, mean batch image ${results.cold.meanBatch.image.toFixed(1)}`,
    );
  }
  if (only.has('warm')) {
    results.warm = await runThroughput(scenario('warm', { CACHE_NAMESPACE: coldNamespace }), () =>
      Array.from({ length: num('warm-pins') }, (_, i) =>
        imagePin(variants[i % imageCount]!, url(i), i % imageCount),
      ),
    );
    log(
      `warm: ${results.warm.pinsPerSecond.toFixed(0)} pins/s, cache hits ${results.warm.cacheHits}, misses ${results.warm.cacheMisses}`,
    );
  }
  if (only.has('text')) {
    results.text = await runThroughput(scenario('text', { CACHE_NAMESPACE: uniqueName('bench-text') }), () =>
      Array.from({ length: num('text-pins') }, (_, i) => textPin(1_000_000 + i)),
    );
    log(
      `text: ${results.text.pinsPerSecond.toFixed(0)} pins/s, mean batch text ${results.text.meanBatch.text.toFixed(1)}, worker CPU ${results.text.cpuMsPerPin?.toFixed(3)} ms per pin, load average ${machine().loadAverage.join(' ')}`,
    );
  }
  if (only.has('text-shadow')) {
    // The text scenario's pins, with text-spam@2 shadowing text-spam@1 (the primary of the worker
    // tests' env); a shadow queue large enough that nothing is shed: the full cost of the shadow.
    results.textShadow = await runThroughput(
      scenario('text-shadow', {
        CACHE_NAMESPACE: uniqueName('bench-text-shadow'),
        SIGNALS: 'image.safety=image-safety@1,text.spam=text-spam@1,text.spam=text-spam@2:shadow',
        POLICY_FILE: 'policy/policy-v1.json',
        ROLLOUT_POLICY_FILES: 'policy/policy-v2.json',
        SHADOW_MAX_PENDING: '100000',
      }),
      () => Array.from({ length: num('text-pins') }, (_, i) => textPin(1_000_000 + i)),
    );
    const sh = results.textShadow.shadow!;
    log(
      `text-shadow: primary ${results.textShadow.pinsPerSecond.toFixed(0)} pins/s, with shadow work done ${sh.pinsPerSecond.toFixed(0)} pins/s; shadow labels ${sh.labels}, shed ${sh.shed}, failed ${sh.failed}; mean signal ms primary ${sh.meanSignalMs.primary?.toFixed(2)} shadow ${sh.meanSignalMs.shadow?.toFixed(2)}; load average ${machine().loadAverage.join(' ')}`,
    );
  }
  if (only.has('paced')) {
    // --paced-rate: a fixed offered rate (pins/s), to compare builds at the same load without a cold run.
    const max = values['paced-rate'] ? 2 * Number(values['paced-rate']) : results.cold?.pinsPerSecond;
    if (max === undefined || !Number.isFinite(max) || max <= 0)
      throw new Error('the paced run needs the cold run (--only cold,paced) or --paced-rate');
    const rate = max / 2;
    const count = Math.min(imageCount, Math.round(rate * num('duration')));
    results.paced = await runPaced(
      scenario('paced', { CACHE_NAMESPACE: uniqueName('bench-paced') }),
      rate,
      count,
      (i, at) => imagePin(variants[i]!, url(i), 2_000_000 + i, at),
    );
    const parts = results.paced.latencyPartsMs!;
    const pct = (l: { p50: number; p95: number; p99: number }) =>
      `${l.p50.toFixed(0)}/${l.p95.toFixed(0)}/${l.p99.toFixed(0)}`;
    log(
      `paced: p50/p95/p99 ${pct(results.paced.latencyMs)} ms over ${count} pins at ${rate.toFixed(1)}/s (createdAt -> labeledAt ${pct(parts.toLabeledAt)}, labeledAt -> published ${pct(parts.labeledAtToPublished)}), load average ${machine().loadAverage.join(' ')}; mean ms ${JSON.stringify(results.paced.meanMs)}`,
    );
  }
  if (only.has('flood')) {
    // The caps the worker runs with (its defaults unless --env changes them).
    const maxPixels = Number(extraEnv.IMAGE_MAX_PIXELS ?? 50_000_000);
    const maxBytes = Number(extraEnv.FETCH_MAX_BYTES ?? 10 * 1024 * 1024);
    const image = await makeMaxImage(maxPixels, maxBytes);
    const count = num('flood-pins');
    log(
      `flood: ${count} distinct ${image.width}x${image.height} JPEGs of ${(image.bytes.length / 1048576).toFixed(1)} MiB (quality ${image.quality}), budgets ${values['flood-budgets']}`,
    );
    const files = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`flood-${i}.jpg`, variantOf(image.bytes, i)]),
    );
    const floodServer = await startImageServer({ files });
    try {
      const off = values['flood-budgets'] === 'off';
      results.flood = await runThroughput(
        scenario('flood', {
          CACHE_NAMESPACE: uniqueName('bench-flood'),
          // Decoding 50 MP on a busy 2-core machine is slow: the pins must not run out of time.
          RETRY_BUDGET_MS: '600000',
          FETCH_TOTAL_TIMEOUT_MS: '120000',
          ...(off ? BUDGETS_OFF : {}),
        }),
        () => Array.from({ length: count }, (_, i) => floodPin(floodServer.url(`/images/flood-${i}.jpg`), i)),
      );
      results.flood = { ...results.flood, budgets: off ? 'off' : 'on' };
      log(
        `flood: peak RSS ${results.flood.peakRssMiB.toFixed(0)} MiB (ready ${results.flood.readyRssMiB.toFixed(0)} MiB; main thread ${memory(results.flood)}), ${results.flood.labels} labels, unscored ${results.flood.unscored}, load average ${machine().loadAverage.join(' ')}`,
      );
    } finally {
      await floodServer.close();
    }
  }
  if (only.has('video')) {
    // Video pins (video.safety declared): distinct 5 s clips, each sampled by ffmpeg and its frames
    // scored by the image model; frames/s from the image model's inferred rows (no pin has an image).
    const count = num('video-pins');
    const files = await makeVideoVariants(count);
    const videoServer = await startImageServer({ files });
    try {
      const model = extraEnv.IMAGE_MODEL ?? 'image-safety@1';
      const result = await runThroughput(
        scenario('video', {
          CACHE_NAMESPACE: uniqueName('bench-video'),
          // As measured since video landed: text-spam@1 with policy-v1 beside the video signal.
          SIGNALS: `image.safety=${model},text.spam=${extraEnv.TEXT_MODEL ?? 'text-spam@1'},video.safety=${model}`,
          POLICY_FILE: 'policy/policy-v1.json',
          RETRY_BUDGET_MS: '600000',
          VIDEO_DECODE_TIMEOUT_MS: '120000',
        }),
        () =>
          Array.from({ length: count }, (_, i) =>
            videoPin(videoServer.url(`/images/video-${i}.mp4`), 3_000_000 + i),
          ),
      );
      const frames = metricSum(result.metricsText ?? '', 'iw_inference_batch_size_sum', { model });
      results.video = {
        ...result,
        frames,
        framesPerPin: frames / count,
        // Frames scored over the same span as pins/s (first to last label).
        framesPerSecond: (result.pinsPerSecond * frames) / count,
        loadAverage: machine().loadAverage,
      };
      log(
        `video: ${result.pinsPerSecond.toFixed(2)} pins/s, ${results.video.framesPerSecond.toFixed(1)} frames/s (${results.video.framesPerPin.toFixed(1)} frames per pin), peak RSS ${result.peakRssMiB.toFixed(0)} MiB (ready ${result.readyRssMiB.toFixed(0)} MiB), unscored ${result.unscored}, load average ${machine().loadAverage.join(' ')}`,
      );
    } finally {
      await videoServer.close();
    }
  }
} finally {
  await cleanups.run();
}

results.loadAverageAtEnd = machine().loadAverage;
results.totalSeconds = (performance.now() - began) / 1000;
const rows = tableRows(results);
console.log(
  `\n${describeMachine(results.machine)}; load average at the end ${results.loadAverageAtEnd.join(' ')}; ${results.totalSeconds.toFixed(0)} s\n`,
);
console.log(textTable(rows));
console.log(`\n${markdownTable(rows)}\n`);
const out = values.out ?? `bench/results/bench-${results.startedAt.replace(/[:.]/g, '-')}.json`;
await mkdir('bench/results', { recursive: true });
await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`figures written to ${out}`);
process.exit(0);
