/**
 * Shrink-on-load (IMAGE_DECODE_SHRINK=on) against the exact decode and against nsfwjs.classify(), on
 * the fixture photos, the bench's image variants and large variants of the benign wallpapers (the
 * only large photos the project has: Debian gnome-/mate-backgrounds, scripts/image-thresholds/
 * gather.sh), then the limit (decode + preprocess + ONNX) with and without, in the same run.
 * Writes models/image-safety/1/SHRINK-ON-LOAD.md and .json:
 *   npm run models:agreement-shrink [-- --variants 1000 --large 1000 --limit-seconds 10 --no-write]
 *
 * exact  = the worker's decode at full size -> tfjs bilinear port -> ONNX (== nsfwjs, manifest metrics)
 * shrink = the worker's decode with `shrinkTo` -> the same; an image it does not shrink gets the
 *          exact path's pixels (asserted), so only shrunk images can move.
 * nsfwjs = nsfwjs.classify() of the exact full-size pixels (what it computes in a browser, which
 *          decodes full size), run on every fixture photo and every (or every n-th) shrunk image.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { load } from 'nsfwjs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { makeImageVariants, type ImageVariant } from '../../bench/lib/image-variants.js';
import { measureLimit } from '../../bench/lib/limit.js';
import { decideSignal } from '../../src/policy/policy-engine.js';
import { readPolicy } from '../../src/policy/policy.js';
import { ENV_VARIABLES } from '../../src/config/env-variables.js';
import { decodeImage, SHRINK_TO, type DecodedImage } from '../../src/preprocess/image-decode.js';
import { imageTensorFromPixels, imageTensorSize, type ImagePreprocessSpec } from '../../src/preprocess/image-tensor.js';
import { CLASSES, modelDir } from './image-safety-build.js';

const { values } = parseArgs({
  options: {
    variants: { type: 'string', default: '1000' },
    large: { type: 'string', default: '1000' },
    // The bench variants upscaled to a shorter side >= 1,344 px (JPEG and WebP, several qualities), so
    // that at least 1,000 images are actually shrunk whatever large photos the machine has.
    upscaled: { type: 'string', default: '1000' },
    'skip-limit': { type: 'boolean', default: false },
    'large-dir': { type: 'string', default: path.join(os.homedir(), '.cache/integrity-worker/benign-images/extracted') },
    'limit-seconds': { type: 'string', default: '10' },
    // nsfwjs (pure-JS tfjs on full-size pixels) is slow: on every n-th shrunk image of a set.
    'nsfwjs-every': { type: 'string', default: '1' },
    'no-write': { type: 'boolean', default: false },
    // Every image's row (scores both ways, decisions, cosine) as JSON, for a look beyond the summary.
    'rows-out': { type: 'string' },
    // A long run split over processes: each measures some sets (and a range of the upscaled set) with
    // --rows-out, then --merge a.json,b.json,... writes the report from their rows.
    sets: { type: 'string', default: 'fixtures,upscaled,large,bench' },
    'upscaled-from': { type: 'string', default: '0' },
    'upscaled-to': { type: 'string' },
    merge: { type: 'string' },
    // nsfwjs on tfjs's wasm backend (what the bench's peer runs) instead of the pure-JS CPU backend.
    'nsfwjs-backend': { type: 'string', default: 'cpu' },
  },
});
const started = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}`);
const dir = modelDir('1');
const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
  preprocess: ImagePreprocessSpec;
  inputs: { name: string }[];
  outputs: { name: string }[];
  embeddings: { name: string }[];
};
const spec = manifest.preprocess;
const rowLength = imageTensorSize(spec);
const policyFile = ENV_VARIABLES.POLICY_FILE.schema.parse(undefined) as string;
const rule = (await readPolicy(policyFile)).signals['image.safety']!;
const nearDupMax = ENV_VARIABLES.NEAR_DUPLICATE_MAX_DISTANCE.schema.parse(undefined) as number;
const exactOptions = { maxPixels: 50_000_000 };
const shrinkOptions = { maxPixels: 50_000_000, shrinkTo: SHRINK_TO };

if (values['nsfwjs-backend'] === 'wasm') {
  setWasmPaths(`${path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
  await tf.setBackend('wasm');
} else await tf.setBackend('cpu');
await tf.ready();
log(`nsfwjs on tfjs ${tf.getBackend()}`);
const nsfw = await load('MobileNetV2');
const session = await ort.InferenceSession.create(await readFile(path.join(dir, 'model.onnx')), { intraOpNumThreads: 2 });
async function score(img: DecodedImage) {
  const x = new Float32Array(rowLength);
  imageTensorFromPixels(img, spec, x, 0);
  const out = await session.run({ [manifest.inputs[0]!.name]: new ort.Tensor('float32', x, [1, spec.height, spec.width, 3]) });
  const emb = out[manifest.embeddings[0]!.name]!.data as Float32Array;
  return { p: Array.from(out[manifest.outputs[0]!.name]!.data as Float32Array), e: Float32Array.from(emb) };
}
async function nsfwjsScores(img: DecodedImage) {
  const pixels = tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
  const classified = await nsfw.classify(pixels, CLASSES.length);
  pixels.dispose();
  return CLASSES.map((c) => classified.find((r) => r.className === c)!.probability);
}
/** The policy's thresholds on image.safety, as [class index, threshold, level]. */
const thresholds = (['review', 'block'] as const).flatMap((level) =>
  Object.entries(rule[level] ?? {}).map(([c, t]) => [CLASSES.indexOf(c as (typeof CLASSES)[number]), t as number, level] as const),
);
/** How far the exact scores are from the nearest threshold (the margin a shrink would have to cross). */
const margin = (p: readonly number[]) => {
  let best = { margin: Infinity, class: '', threshold: 0, level: '' };
  for (const [k, t, level] of thresholds) {
    const m = Math.abs(p[k]! - t);
    if (m < best.margin) best = { margin: m, class: CLASSES[k]!, threshold: t, level };
  }
  return best;
};
const top = (p: readonly number[]) => CLASSES[p.indexOf(Math.max(...p))]!;
const decide = (p: readonly number[]) => decideSignal(rule, Object.fromEntries(CLASSES.map((c, k) => [c, p[k]!]))).decision;
const cosine = (a: Float32Array, b: Float32Array) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k]! * b[k]!;
    na += a[k]! * a[k]!;
    nb += b[k]! * b[k]!;
  }
  return na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
};

interface Row {
  image: string;
  format: string;
  size: string;
  decoded: string;
  shrunk: boolean;
  exact: number[];
  shrinkP: number[];
  nsfwjs?: number[];
  maxAbsDiff: number;
  maxAbsDiffNsfwjs?: number;
  movedClass: string;
  decisionExact: string;
  decisionShrink: string;
  decisionNsfwjs?: string;
  cosine: number;
  exactMs: number;
  shrinkMs: number;
}

/** The wallpapers' large JPEG/WebP, cropped to 50-100 % per side (shorter side >= 1,344) and re-encoded. */
async function largeVariants(count: number): Promise<ImageVariant[]> {
  const root = values['large-dir']!;
  let files: string[] = [];
  try {
    files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(jpe?g|webp)$/i.test(f)).sort();
  } catch {
    return [];
  }
  const sources: { name: string; bytes: Buffer; width: number; height: number; webp: boolean }[] = [];
  for (const f of files) {
    const bytes = await readFile(path.join(root, f));
    const meta = await sharp(bytes).metadata();
    if (Math.min(meta.width!, meta.height!) >= 3 * SHRINK_TO.width)
      sources.push({ name: path.basename(f), bytes, width: meta.width!, height: meta.height!, webp: meta.format === 'webp' });
  }
  if (sources.length === 0) return [];
  let a = 7;
  const rand = () => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 4294967296;
  };
  const out: ImageVariant[] = [];
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length]!;
    const min = (3 * SHRINK_TO.width) / Math.min(src.width, src.height);
    const f = () => Math.max(min, 0.5) + (1 - Math.max(min, 0.5)) * rand();
    const width = Math.round(src.width * f());
    const height = Math.max(Math.round(src.height * f()), 3 * SHRINK_TO.height);
    const left = Math.floor(rand() * (src.width - width + 1));
    const topOffset = Math.floor(rand() * (src.height - height + 1));
    const crop = sharp(src.bytes).extract({ left, top: topOffset, width, height: Math.min(height, src.height) });
    const quality = 80 + Math.floor(rand() * 13);
    // Every source in its own format, and a third of the JPEG sources as WebP too.
    const webp = src.webp || i % 3 === 0;
    const bytes = webp ? await crop.webp({ quality }).toBuffer() : await crop.jpeg({ quality }).toBuffer();
    const hex = createHash('sha256').update(bytes).digest('hex');
    out.push({ name: `L${i}.${webp ? 'webp' : 'jpg'}`, bytes, signature: `sha256:${hex}`, source: src.name });
  }
  return out;
}

const UPSCALED_SIDES = [1344, 1600, 2016, 2688] as const;
const UPSCALED_QUALITIES = [70, 80, 90, 95] as const;
/**
 * Bench variant i resized (lanczos3) to a shorter side of UPSCALED_SIDES[i % 4] and encoded as JPEG
 * (even i) or WebP (odd i) at UPSCALED_QUALITIES[(i >> 1) % 4]; made one at a time, as measured, so
 * they are never all in memory. Upscaled photos carry less fine detail than real large photos: the
 * `large` set is the harder test, this one the count.
 */
async function* upscaledVariants(sources: readonly ImageVariant[], from: number, to: number): AsyncGenerator<{ name: string; bytes: Uint8Array }> {
  for (const [i, v] of sources.entries()) {
    if (i < from || i >= to) continue;
    const meta = await sharp(v.bytes).metadata();
    const side = UPSCALED_SIDES[i % UPSCALED_SIDES.length]!;
    const scale = side / Math.min(meta.width!, meta.height!);
    const resized = sharp(v.bytes).resize(Math.round(meta.width! * scale), Math.round(meta.height! * scale));
    const quality = UPSCALED_QUALITIES[(i >> 1) % UPSCALED_QUALITIES.length]!;
    const webp = i % 2 === 1;
    const bytes = webp ? await resized.webp({ quality }).toBuffer() : await resized.jpeg({ quality }).toBuffer();
    yield { name: `U${i}.${webp ? 'webp' : 'jpg'} q${quality} (${v.name} from ${v.source})`, bytes: new Uint8Array(bytes) };
  }
}

async function measure(set: string, images: Iterable<{ name: string; bytes: Uint8Array }> | AsyncIterable<{ name: string; bytes: Uint8Array }>, total: number): Promise<Row[]> {
  const rows: Row[] = [];
  let shrunkSeen = 0;
  let i = -1;
  for await (const { name, bytes } of images) {
    i++;
    let t = performance.now();
    const exact = await decodeImage(bytes, exactOptions);
    const exactMs = performance.now() - t;
    t = performance.now();
    const small = await decodeImage(bytes, shrinkOptions);
    const shrinkMs = performance.now() - t;
    const shrunk = small.width !== exact.width || small.height !== exact.height;
    if (!shrunk && Buffer.compare(Buffer.from(small.data), Buffer.from(exact.data)) !== 0)
      throw new Error(`${name}: not shrunk, yet its pixels differ from the exact decode`);
    const e = await score(exact);
    const s = shrunk ? await score(small) : e;
    const withNsfwjs = set === 'fixtures' || (shrunk && shrunkSeen++ % Number(values['nsfwjs-every']) === 0);
    const n = withNsfwjs ? await nsfwjsScores(exact) : undefined;
    const diffs = CLASSES.map((_, k) => Math.abs(e.p[k]! - s.p[k]!));
    const maxAbsDiff = Math.max(...diffs);
    const meta = await sharp(bytes).metadata();
    rows.push({
      image: name,
      format: meta.format!,
      size: `${meta.width}x${meta.height}`,
      decoded: `${small.width}x${small.height}`,
      shrunk,
      exact: e.p,
      shrinkP: s.p,
      ...(n && { nsfwjs: n, maxAbsDiffNsfwjs: Math.max(...n.map((v, k) => Math.abs(v - s.p[k]!))), decisionNsfwjs: decide(n) }),
      maxAbsDiff,
      movedClass: CLASSES[diffs.indexOf(maxAbsDiff)]!,
      decisionExact: decide(e.p),
      decisionShrink: decide(s.p),
      cosine: cosine(e.e, s.e),
      exactMs,
      shrinkMs,
    });
    if ((i + 1) % 100 === 0) log(`${set}: ${i + 1}/${total}`);
  }
  return rows;
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
function summary(rows: Row[]) {
  const shrunk = rows.filter((r) => r.shrunk);
  const withN = rows.filter((r) => r.nsfwjs);
  const perClass = Object.fromEntries(
    CLASSES.map((c, k) => [c, { max: Math.max(0, ...shrunk.map((r) => Math.abs(r.exact[k]! - r.shrinkP[k]!))), mean: shrunk.length ? shrunk.reduce((a, r) => a + Math.abs(r.exact[k]! - r.shrinkP[k]!), 0) / shrunk.length : 0 }]),
  );
  const count = (xs: string[]) => Object.fromEntries([...new Set(xs)].sort().map((d) => [d, xs.filter((x) => x === d).length]));
  const distances = shrunk.map((r) => 1 - r.cosine);
  return {
    images: rows.length,
    shrunk: shrunk.length,
    // What the decision agreement can show: how many shrunk images the exact path does not ALLOW, and
    // how many sit near a threshold (a benign-only set agrees trivially far from every threshold).
    decisions_exact_shrunk: count(shrunk.map((r) => r.decisionExact)),
    shrunk_within_0_1_of_a_threshold: shrunk.filter((r) => margin(r.exact).margin < 0.1).length,
    closest_to_threshold_shrunk: [...shrunk]
      .sort((a, b) => margin(a.exact).margin - margin(b.exact).margin)
      .slice(0, 5)
      .map((r) => {
        const m = margin(r.exact);
        const k = CLASSES.indexOf(m.class as (typeof CLASSES)[number]);
        return { image: r.image, class: m.class, threshold: m.threshold, level: m.level, exact: r.exact[k]!, shrink: r.shrinkP[k]!, decision: `${r.decisionExact} -> ${r.decisionShrink}` };
      }),
    // Cosine distance (1 - cosine) between the shrunk and the exact decode's embedding of the same image.
    embedding_distance_shrunk: { p50: quantile(distances, 0.5), p90: quantile(distances, 0.9), p99: quantile(distances, 0.99), max: Math.max(0, ...distances) },
    formats: [...new Set(shrunk.map((r) => r.format))].sort(),
    exact_vs_shrink: {
      top_class_agreement: rows.filter((r) => top(r.exact) === top(r.shrinkP)).length / rows.length,
      max_abs_diff: Math.max(0, ...rows.map((r) => r.maxAbsDiff)),
      p99_abs_diff_shrunk: quantile(shrunk.map((r) => r.maxAbsDiff), 0.99),
      decision_agreement: rows.filter((r) => r.decisionExact === r.decisionShrink).length / rows.length,
      decisions_changed: rows.filter((r) => r.decisionExact !== r.decisionShrink).map((r) => `${r.image}: ${r.decisionExact} -> ${r.decisionShrink}`),
      embedding_cosine_min: Math.min(1, ...rows.map((r) => r.cosine)),
      embedding_cosine_p01_shrunk: quantile(shrunk.map((r) => r.cosine), 0.01),
      near_duplicate_within_threshold: rows.filter((r) => 1 - r.cosine <= nearDupMax).length / rows.length,
      per_class_abs_diff_shrunk: perClass,
    },
    shrink_vs_nsfwjs: {
      images: withN.length,
      top_class_agreement: withN.length ? withN.filter((r) => top(r.nsfwjs!) === top(r.shrinkP)).length / withN.length : null,
      max_abs_diff: Math.max(0, ...withN.map((r) => r.maxAbsDiffNsfwjs!)),
      p99_abs_diff: quantile(withN.map((r) => r.maxAbsDiffNsfwjs!), 0.99),
      decision_agreement: withN.length ? withN.filter((r) => r.decisionNsfwjs === r.decisionShrink).length / withN.length : null,
    },
    decode_ms_mean_shrunk: {
      exact: shrunk.length ? shrunk.reduce((a, r) => a + r.exactMs, 0) / shrunk.length : 0,
      shrink: shrunk.length ? shrunk.reduce((a, r) => a + r.shrinkMs, 0) / shrunk.length : 0,
    },
  };
}

const fixturesDir = 'test/fixtures/images';
const fixtures = readdirSync(fixturesDir).filter((f) => f.startsWith('photo-')).sort();
const only = new Set(values.sets!.split(','));
const merging = values.merge !== undefined;
const sets: Record<string, { name: string; bytes: Uint8Array; source?: string }[]> = {};
if (only.has('fixtures') && !merging)
  sets.fixtures = await Promise.all(fixtures.map(async (f) => ({ name: f, bytes: new Uint8Array(await readFile(path.join(fixturesDir, f))) })));
if (!merging) log(`making the sets: ${[...only].join(", ")}`);
const bench = only.has('bench') && !merging ? await makeImageVariants(Number(values.variants)) : [];
const large = (only.has('large') && !merging) || !values['skip-limit'] ? await largeVariants(Number(values.large)) : [];
if (bench.length) sets.bench = bench.map((v) => ({ name: `${v.name} (${v.source})`, bytes: v.bytes }));
if (large.length && only.has('large') && !merging) sets.large = large.map((v) => ({ name: `${v.name} (${v.source})`, bytes: v.bytes }));
const results: Record<string, ReturnType<typeof summary>> = {};
const rowsBySet: Record<string, Row[]> = {};
const upscaledCount = only.has('upscaled') && !merging ? Number(values.upscaled) : 0;
const upscaledTo = Math.min(upscaledCount, Number(values['upscaled-to'] ?? upscaledCount));
const upscaledFrom = Number(values['upscaled-from']);
type Images = Iterable<{ name: string; bytes: Uint8Array }> | AsyncIterable<{ name: string; bytes: Uint8Array }>;
// The fixtures, then the upscaled set (the 1,000 shrunk images the decision rests on), then the rest.
const [first, ...rest] = Object.entries(sets).map(([set, images]) => [set, images, images.length] as [string, Images, number]);
const runs: [string, Images, number][] = [
  first!,
  ...(upscaledCount > 0 ? [['upscaled', upscaledVariants(await makeImageVariants(upscaledTo, 2), upscaledFrom, upscaledTo), upscaledTo - upscaledFrom] as [string, Images, number]] : []),
  ...rest,
].filter((r) => r !== undefined);
for (const [set, images, total] of runs) {
  log(`${set}: ${total} images`);
  rowsBySet[set] = await measure(set, images, total);
  results[set] = summary(rowsBySet[set]!);
  log(`${set}: ${JSON.stringify(results[set]!.exact_vs_shrink.decision_agreement)} decision agreement, ${results[set]!.shrunk} shrunk`);
  log(`${set}: ${JSON.stringify(results[set])}`);
  if (values['rows-out']) await writeFile(values['rows-out'], `${JSON.stringify(rowsBySet, null, 1)}\n`);
}
for (const file of merging ? values.merge!.split(',') : []) {
  const part = JSON.parse(await readFile(file, 'utf8')) as Record<string, Row[]>;
  for (const [set, rows] of Object.entries(part)) (rowsBySet[set] ??= []).push(...rows);
}
for (const set of merging ? Object.keys(rowsBySet) : []) {
  results[set] = summary(rowsBySet[set]!);
  log(`${set}: ${rowsBySet[set]!.length} rows merged, ${results[set]!.shrunk} shrunk`);
}
nsfw.dispose();
await session.release();

// The limit, both ways, alternating, on the bench variants and the large variants.
const limit: Record<string, { exact: number[]; shrink: number[] }> = {};
for (const [set, images] of [['bench', bench], ['large', large]] as const) {
  if (images.length === 0 || values['skip-limit']) continue;
  limit[set] = { exact: [], shrink: [] };
  for (let round = 0; round < 2; round++) {
    for (const shrink of [false, true]) {
      const r = await measureLimit({ modelsDir: 'models', model: 'image-safety@1', images, batches: [8], threads: [2], seconds: Number(values['limit-seconds']), log, shrink, allowSpinning: false });
      limit[set]![shrink ? 'shrink' : 'exact'].push(r.best.imagesPerSecond);
    }
  }
}
const loadAverage = os.loadavg();
const all = Object.values(rowsBySet).flat();
const moved = all.filter((r) => r.shrunk).sort((a, b) => b.maxAbsDiff - a.maxAbsDiff).slice(0, 15);
const report = {
  measured_with: 'npm run models:agreement-shrink',
  arguments: process.argv.slice(2).join(' '),
  nsfwjs_backend: values['nsfwjs-backend'],
  served_by_default: ENV_VARIABLES.IMAGE_DECODE_SHRINK.schema.parse(undefined) as boolean,
  at: new Date().toISOString(),
  load_average_at_end: loadAverage,
  cpus: os.cpus().length,
  policy: policyFile,
  near_duplicate_max_distance: nearDupMax,
  shrink_to: SHRINK_TO,
  nsfwjs_every: Number(values['nsfwjs-every']),
  sets: results,
  all_decisions_agree: Object.values(results).every((r) => r.exact_vs_shrink.decision_agreement === 1 && (r.shrink_vs_nsfwjs.decision_agreement ?? 1) === 1),
  limit_images_per_second: limit,
  most_moved: moved.map((r) => ({ image: r.image, format: r.format, size: r.size, decoded: r.decoded, class: r.movedClass, maxAbsDiff: r.maxAbsDiff, exact: r.exact, shrink: r.shrinkP, decision: `${r.decisionExact} -> ${r.decisionShrink}` })),
};
console.log(JSON.stringify(report, null, 2));
if (!values['no-write']) {
  await writeFile(path.join(dir, 'SHRINK-ON-LOAD.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(dir, 'SHRINK-ON-LOAD.md'), markdown(report));
  log(`written ${path.join(dir, 'SHRINK-ON-LOAD.md')} and .json`);
}

function markdown(r: typeof report): string {
  const f = (x: number | null, d = 4) => (x === null ? 'n/a' : x.toFixed(d));
  const e = (x: number) => x.toExponential(2);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const lines = [
    '# image-safety@1: shrink-on-load decode (`IMAGE_DECODE_SHRINK`)',
    '',
    `Generated by \`${r.measured_with}\` at ${r.at} (${r.cpus} CPUs, load average at the end ${r.load_average_at_end.map((x) => x.toFixed(2)).join(' ')}). Policy \`${r.policy}\`, near-duplicate threshold ${r.near_duplicate_max_distance} (cosine distance).`,
    '',
    `**exact**: full-size decode, tfjs bilinear port to 224, ONNX (equal to nsfwjs, manifest \`metrics\`). **shrink**: the same, but a JPEG or WebP whose sides are both >= 3 x ${r.shrink_to.width} px is decoded straight to a shorter side of ${r.shrink_to.width} px (libjpeg DCT scaling by the largest of 2/4/8 sharp allows, then lanczos3 for the rest; libwebp's scaled decode). **nsfwjs**: nsfwjs.classify() of the exact full-size pixels, on every fixture photo and ${r.nsfwjs_every === 1 ? 'every' : `every ${r.nsfwjs_every}th`} shrunk image. Images that are not shrunk get the exact pixels bit for bit (checked), so only shrunk images can move.`,
    '',
    `All decisions agree (exact vs shrink, nsfwjs vs shrink, every set): **${r.all_decisions_agree ? 'yes' : 'no'}**. \`IMAGE_DECODE_SHRINK\` default: **${r.served_by_default ? 'on' : 'off'}**. Arguments: \`${r.arguments || '(none)'}\`; nsfwjs on tfjs ${r.nsfwjs_backend}.`,
    '',
    '| set | images | shrunk | top class exact=shrink | max abs dp | p99 abs dp (shrunk) | decisions exact=shrink | min embedding cosine | p01 cosine (shrunk) | within near-dup threshold | nsfwjs images | top class nsfwjs=shrink | max abs dp vs nsfwjs | decisions nsfwjs=shrink | decode ms exact / shrink (shrunk, mean) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...Object.entries(r.sets).map(([name, s]) => {
      const x = s.exact_vs_shrink;
      const n = s.shrink_vs_nsfwjs;
      return `| ${name} | ${s.images} | ${s.shrunk} (${s.formats.join(', ') || '-'}) | ${f(x.top_class_agreement)} | ${e(x.max_abs_diff)} | ${e(x.p99_abs_diff_shrunk)} | ${f(x.decision_agreement)} | ${f(x.embedding_cosine_min)} | ${f(x.embedding_cosine_p01_shrunk)} | ${f(x.near_duplicate_within_threshold)} | ${n.images} | ${f(n.top_class_agreement)} | ${e(n.max_abs_diff)} | ${f(n.decision_agreement)} | ${s.decode_ms_mean_shrunk.exact.toFixed(1)} / ${s.decode_ms_mean_shrunk.shrink.toFixed(1)} |`;
    }),
    '',
    '## What the decision agreement can show (shrunk images)',
    '',
    'A set far from every threshold agrees trivially: the exact decisions of the shrunk images, how many lie within 0.1 of a threshold of the policy, the closest, and the cosine distance (1 - cosine) between the embeddings of the shrunk and the exact decode of the same image (the near-duplicate index compares these).',
    '',
    '| set | exact decisions | within 0.1 of a threshold | closest (image, class, threshold: exact -> shrink) | distance p50 / p90 / p99 / max | near-dup threshold |',
    '| --- | --- | ---: | --- | --- | ---: |',
    ...Object.entries(r.sets)
      .filter(([, s]) => s.shrunk)
      .map(([name, s]) => {
        const c = s.closest_to_threshold_shrunk[0];
        const d = s.embedding_distance_shrunk;
        return `| ${name} | ${Object.entries(s.decisions_exact_shrunk).map(([k, v]) => `${k} ${v}`).join(', ')} | ${s.shrunk_within_0_1_of_a_threshold} | ${c ? `${c.image}, ${c.class} ${c.level} ${c.threshold}: ${c.exact.toFixed(3)} -> ${c.shrink.toFixed(3)} (${c.decision})` : '-'} | ${[d.p50, d.p90, d.p99, d.max].map((x) => x.toFixed(4)).join(' / ')} | ${r.near_duplicate_max_distance} |`;
      }),
    '',
    '## Where scores move (shrunk images)',
    '',
    '| set | class | max abs dp | mean abs dp |',
    '| --- | --- | ---: | ---: |',
    ...Object.entries(r.sets).flatMap(([name, s]) =>
      s.shrunk ? Object.entries(s.exact_vs_shrink.per_class_abs_diff_shrunk).map(([c, v]) => `| ${name} | ${c} | ${e(v.max)} | ${e(v.mean)} |`) : [],
    ),
    '',
    'The 15 images that moved most:',
    '',
    '| image | format | size -> decoded | class | abs dp | exact | shrink | decision |',
    '| --- | --- | --- | --- | ---: | --- | --- | --- |',
    ...r.most_moved.map((m) => `| ${m.image} | ${m.format} | ${m.size} -> ${m.decoded} | ${m.class} | ${m.maxAbsDiff.toFixed(4)} | ${m.exact.map((v) => v.toFixed(3)).join(' ')} | ${m.shrink.map((v) => v.toFixed(3)).join(' ')} | ${m.decision} |`),
    '',
    `Decisions that changed: ${Object.values(r.sets).flatMap((s) => s.exact_vs_shrink.decisions_changed).join('; ') || 'none'}.`,
    '',
    '## Limit (decode + preprocess + ONNX, in process, batch 8, 2 ORT threads), same run',
    '',
    '| images | exact, images/s | shrink, images/s | runs |',
    '| --- | ---: | ---: | --- |',
    ...(Object.keys(r.limit_images_per_second).length === 0 ? ['| not measured in this run (`--skip-limit`): BENCHMARKS.md has the limit with and without | | | |'] : []),
    ...Object.entries(r.limit_images_per_second).map(([name, v]) => `| ${name} | ${mean(v.exact).toFixed(1)} | ${mean(v.shrink).toFixed(1)} | exact ${v.exact.map((x) => x.toFixed(1)).join(', ')}; shrink ${v.shrink.map((x) => x.toFixed(1)).join(', ')} |`),
    '',
    `Load average at the end: ${r.load_average_at_end.map((x) => x.toFixed(2)).join(' ')} on ${r.cpus} CPUs: figures under load are for proportions only.`,
    '',
  ];
  return lines.join('\n');
}
