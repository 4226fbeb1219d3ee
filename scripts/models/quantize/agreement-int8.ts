/**
 * The agreement report of a quantized image-safety version against its float source (default: @3
 * against @1), generated, never hand-written: on every scorable fixture image (test/fixtures/images)
 * and on `--variants` bench variants (crops of the fixture photos, bench/lib/image-variants.ts), the
 * top-class agreement, max and p99 |dp| per class, decision agreement under the default image policy
 * (POLICY_FILE's default) and under the policy bound to the candidate, embedding cosine; then
 * onnxruntime-node speed of both (and of the dynamic quantization, `--dynamic`) in the same run,
 * interleaved, at batch 1/8/16 and 1 and 2 intra-op threads. Writes `<candidate>/AGREEMENT.md` and
 * `<candidate>/agreement.json` and the summary into the candidate manifest's `metrics.agreement`.
 *   tsx scripts/models/quantize/agreement-int8.ts [--variants 1000] [--seconds 2] [--no-speed]
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { makeImageVariants } from '../../../bench/lib/image-variants.js';
import { ENV_VARIABLES } from '../../../src/config/env-variables.js';
import { decideSignal } from '../../../src/policy/policy-engine.js';
import { readPolicy, type SignalRule } from '../../../src/policy/policy.js';
import { imageTensorSize, preprocessImage, type ImagePreprocessSpec } from '../../../src/preprocess/image-tensor.js';
import { compare, type Scored } from './agreement-stats.js';
import { renderAgreement, type AgreementReport, type SpeedPoint } from './agreement-render.js';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string', default: 'models/image-safety/1' },
    candidate: { type: 'string', default: 'models/image-safety/3' },
    dynamic: { type: 'string' },
    policy: { type: 'string', default: 'policy/policy-v4.json' },
    variants: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '2' },
    'no-speed': { type: 'boolean', default: false },
  },
});
const loadStart = loadavg();

interface Manifest {
  name: string;
  version: string;
  sha256: string;
  preprocess: ImagePreprocessSpec;
  inputs: { name: string }[];
  outputs: { name: string; classes: string[] }[];
  embeddings: { name: string }[];
  metrics: Record<string, unknown>;
}
const readManifest = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
const baseline = await readManifest(values.baseline);
const candidate = await readManifest(values.candidate);
const spec = baseline.preprocess;
const classes = baseline.outputs[0]!.classes;
const size = imageTensorSize(spec);
const idOf = (m: Manifest) => `${m.name}@${m.version}`;

// The rules: the default policy's image.safety (bound to the baseline) and the candidate's policy.
const defaultPolicyFile = ENV_VARIABLES.POLICY_FILE.schema.parse(undefined);
const defaultRule = (await readPolicy(defaultPolicyFile)).signals['image.safety']!;
const candidatePolicy = await readPolicy(values.policy);
const candidateRule: SignalRule = candidatePolicy.signals['image.safety']!;
if (defaultRule.model !== idOf(baseline) || candidateRule.model !== idOf(candidate))
  throw new Error(`${defaultPolicyFile} must bind ${idOf(baseline)} and ${values.policy} ${idOf(candidate)}`);

// Inputs: the scorable fixture images (those that decode) and the bench variants.
const fixtures = 'test/fixtures/images';
const images: { name: string; set: 'fixtures' | 'variants'; bytes: Uint8Array }[] = [];
for (const name of (await readdir(fixtures)).sort()) {
  if (!/\.(jpg|png|gif|webp)$/.test(name)) continue;
  images.push({ name, set: 'fixtures', bytes: new Uint8Array(await readFile(path.join(fixtures, name))) });
}
for (const v of await makeImageVariants(Number(values.variants), 1))
  images.push({ name: `${v.name} (${v.source})`, set: 'variants', bytes: new Uint8Array(v.bytes) });

const sessionOf = async (file: string, threads: number) =>
  ort.InferenceSession.create(await readFile(file), { intraOpNumThreads: threads, interOpNumThreads: 1 });
const models = [
  { label: idOf(baseline), file: path.join(values.baseline, 'model.onnx') },
  { label: idOf(candidate), file: path.join(values.candidate, 'model.onnx') },
  ...(values.dynamic ? [{ label: 'dynamic int8 (not served)', file: values.dynamic }] : []),
];
const scoring = await Promise.all(models.map((m) => sessionOf(m.file, 2)));
const scored: Scored[][] = models.map(() => []);
const skipped: string[] = [];
const CHUNK = 16;
for (let i = 0; i < images.length; i += CHUNK) {
  const chunk: typeof images = [];
  const x = new Float32Array(CHUNK * size);
  for (const image of images.slice(i, i + CHUNK)) {
    try {
      await preprocessImage(image.bytes, spec, { maxPixels: 50e6 }, x, chunk.length * size);
      chunk.push(image);
    } catch {
      skipped.push(image.name); // refused by the worker too (coded error): not scorable
    }
  }
  if (chunk.length === 0) continue;
  const feeds = { [baseline.inputs[0]!.name]: new ort.Tensor('float32', x.subarray(0, chunk.length * size), [chunk.length, spec.height, spec.width, 3]) };
  for (const [m, session] of scoring.entries()) {
    const out = await session.run(feeds);
    const p = out[baseline.outputs[0]!.name]!.data as Float32Array;
    const e = out[baseline.embeddings[0]!.name]!.data as Float32Array;
    const width = e.length / chunk.length;
    chunk.forEach((image, k) =>
      scored[m]!.push({
        name: image.name,
        set: image.set,
        p: Array.from(p.subarray(k * classes.length, (k + 1) * classes.length)),
        embedding: e.subarray(k * width, (k + 1) * width).slice(),
      }),
    );
  }
}
const decide = (rule: SignalRule, p: readonly number[]) =>
  decideSignal(rule, Object.fromEntries(classes.map((c, i) => [c, p[i]!]))).decision;
const comparisons = models.slice(1).map((m, k) => ({
  label: m.label,
  sets: compare(scored[0]!, scored[k + 1]!, classes, {
    baseline: (p) => decide(defaultRule, p),
    candidateDefault: (p) => decide(defaultRule, p),
    candidateBound: (p) => decide(k === 0 ? candidateRule : defaultRule, p),
  }),
}));

// Speed: ONNX alone on ready tensors (the first fixture photos), the models interleaved per round.
const speed: SpeedPoint[] = [];
if (!values['no-speed']) {
  const budgetMs = Number(values.seconds) * 1000;
  const tensors = new Float32Array(16 * size);
  const photos = images.filter((im) => im.name.startsWith('photo-'));
  for (let k = 0; k < 16; k++) await preprocessImage(photos[k % photos.length]!.bytes, spec, { maxPixels: 50e6 }, tensors, k * size);
  for (const threads of [1, 2]) {
    const sessions = await Promise.all(models.map((m) => sessionOf(m.file, threads)));
    for (const batch of [1, 8, 16]) {
      const feeds = { [baseline.inputs[0]!.name]: new ort.Tensor('float32', tensors.subarray(0, batch * size), [batch, spec.height, spec.width, 3]) };
      for (const s of sessions) await s.run(feeds); // warm-up: arenas
      const times: number[][] = models.map(() => []);
      const end = performance.now() + budgetMs * models.length;
      while (times[0]!.length < 5 || (performance.now() < end && times[0]!.length < 200))
        for (const [m, s] of sessions.entries()) {
          const t = performance.now();
          await s.run(feeds);
          times[m]!.push(performance.now() - t);
        }
      for (const [m, t] of times.entries()) {
        const median = [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
        speed.push({ model: models[m]!.label, threads, batch, runs: t.length, msPerBatch: median, imagesPerSecond: (batch * 1000) / median });
      }
    }
    await Promise.all(sessions.map((s) => s.release()));
  }
}

const report: AgreementReport = {
  baseline: { id: idOf(baseline), sha256: baseline.sha256 },
  candidate: { id: idOf(candidate), sha256: candidate.sha256 },
  command: 'npm run models:image-int8:agreement',
  policies: { default: `${defaultPolicyFile} (image.safety bound to ${defaultRule.model})`, candidate: `${values.policy} (${candidatePolicy.version}, image.safety bound to ${candidateRule.model})` },
  inputs: { fixtures: scored[0]!.filter((s) => s.set === 'fixtures').length, variants: scored[0]!.filter((s) => s.set === 'variants').length, skipped },
  comparisons,
  perFixture: scored[0]!.filter((s) => s.set === 'fixtures').map((s, i) => ({ name: s.name, baseline: s.p, candidate: scored[1]![i]!.p })),
  speed,
  machine: { cpus: cpus().length, loadAverageStart: loadStart, loadAverageEnd: loadavg(), onnxruntimeNode: ort.env.versions.node ?? 'unknown' },
  classes,
};
await writeFile(path.join(values.candidate, 'agreement.json'), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(path.join(values.candidate, 'AGREEMENT.md'), renderAgreement(report));
const summary = comparisons[0]!.sets.find((s) => s.set === 'all')!;
candidate.metrics = {
  ...candidate.metrics,
  agreement: {
    reference: `${idOf(baseline)} (sha256 ${baseline.sha256}) on the same tensors`,
    images: summary.n,
    top_class_agreement: summary.topClassAgreement,
    max_abs_diff: Math.max(...Object.values(summary.maxAbsDiff)),
    decision_agreement_default_policy: summary.decisionAgreementDefault,
    decision_agreement_bound_policy: summary.decisionAgreementBound,
    embedding_min_cosine: summary.embeddingCosine.min,
    report: 'AGREEMENT.md, agreement.json',
    measured_with: report.command,
  },
};
await writeFile(path.join(values.candidate, 'manifest.json'), `${JSON.stringify(candidate, null, 2)}\n`);
console.log(renderAgreement(report));
