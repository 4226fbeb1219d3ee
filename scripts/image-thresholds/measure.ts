/**
 * Scores every benign image under --dir (and the project's own photo and drawing fixtures) with the
 * worker's own code (serving, signals, SignalRunner, PolicyEngine, through `classifyPin`) and the
 * configured policy, and writes a report of the image policy's false-flag rate: how many benign
 * images get REVIEW or BLOCK from `image.safety`. No labelled NSFW set exists in any registry, so
 * this measures false flags only, never recall.
 *   npx tsx scripts/image-thresholds/measure.ts --dir <extracted> --out <report.md>
 * Normally run by scripts/image-thresholds/gather.sh.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { classifyPin } from '../../src/cli/classify-command.js';
import { loadConfig } from '../../src/config/load-config.js';
import { decodedImageGateFromConfig } from '../../src/preprocess/decoded-image-gate.js';
import { toIntegrityError } from '../../src/errors.js';
import { loadServing } from '../../src/infer/serving.js';
import { PolicyEngine } from '../../src/policy/policy-engine.js';
import { checkPolicyCovers, readPolicy } from '../../src/policy/policy.js';
import { createSignals, declaredSignals, servedModels } from '../../src/signals/catalog.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    out: { type: 'string' },
    fixtures: { type: 'string', default: 'test/fixtures/images' },
  },
});
if (!values.dir || !values.out) throw new Error('usage: measure.ts --dir <extracted> --out <report.md>');

const IMAGE = /\.(png|jpe?g|gif|webp|tiff?)$/i;
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && IMAGE.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

interface Scored {
  source: string;
  file: string;
  decision: string;
  scores: Record<string, number> | null;
  error?: string;
}

const config = loadConfig({
  ...process.env,
  SIGNALS: `image.safety=${process.env.IMAGE_MODEL ?? 'image-safety@1'}`,
});
const declared = declaredSignals(config);
const policy = new PolicyEngine(await readPolicy(config.POLICY_FILE));
const serving = await loadServing(config, servedModels(declared));
const signals = createSignals(declared, {
  scorer: (model) => serving.scorer(model),
  decodedImages: decodedImageGateFromConfig(config),
});
checkPolicyCovers(policy.policy, signals);
const rule = policy.policy.signals['image.safety']!;

const files: { source: string; path: string }[] = [];
for (const path of await walk(values.fixtures))
  if (/\/(photo|drawing)-[^/]+$/.test(path))
    files.push({ source: 'project fixtures (photo-*, drawing-*)', path });
for (const path of await walk(values.dir))
  files.push({ source: relative(values.dir, path).split('/')[0]!, path });

const seen = new Set<string>();
const results: Scored[] = [];
let duplicates = 0;
for (const { source, path } of files) {
  const bytes = await readFile(path);
  const hash = createHash('sha256').update(bytes).digest('hex');
  if (seen.has(hash)) {
    duplicates++;
    continue;
  }
  seen.add(hash);
  const file = path.startsWith(values.dir) ? relative(values.dir, path) : path;
  try {
    const report = await classifyPin(signals, policy, bytes, {});
    const image = report.signals['image.safety']!;
    results.push({ source, file, decision: image.decision, scores: image.scores });
  } catch (error) {
    results.push({ source, file, decision: 'UNSCORED', scores: null, error: toIntegrityError(error).code });
  }
  if (results.length % 25 === 0) process.stderr.write(`measure: ${results.length} images\n`);
}
await serving.close();

/** Upper end of the 95% Wilson interval of k in n. */
function wilsonUpper(k: number, n: number): number {
  if (n === 0) return 1;
  const z = 1.96;
  const p = k / n;
  return (
    (p + (z * z) / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n)
  );
}
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const scored = results.filter((r) => r.scores !== null);
const flagged = scored.filter((r) => r.decision === 'REVIEW' || r.decision === 'BLOCK');
const bySource = new Map<string, Scored[]>();
for (const r of results) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r]);

const rows = [...bySource].map(([source, rs]) => {
  const s = rs.filter((r) => r.scores !== null);
  const f = s.filter((r) => r.decision !== 'ALLOW');
  const count = (d: string) => s.filter((r) => r.decision === d).length;
  return `| ${source} | ${s.length} | ${count('ALLOW')} | ${count('REVIEW')} | ${count('BLOCK')} | ${pct(f.length / Math.max(1, s.length))} | ${rs.length - s.length} |`;
});
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const classes = [...new Set([...Object.keys(rule.review), ...Object.keys(rule.block)])];
const quantRows = classes.map((c) => {
  const xs = scored.map((r) => r.scores![c] ?? 0);
  return `| ${c} | ${[0.5, 0.9, 0.99, 1].map((q) => quantile(xs, q).toFixed(3)).join(' | ')} | ${rule.review[c] ?? '-'} | ${rule.block[c] ?? '-'} |`;
});
const sweep = [0.3, 0.5, 0.7, 0.9].map((t) => {
  const n = scored.filter((r) => classes.some((c) => (r.scores![c] ?? 0) >= t)).length;
  return `| ${t} | ${n} | ${pct(n / Math.max(1, scored.length))} |`;
});
const flaggedRows = flagged.map((r) => {
  const top = classes.map((c) => `${c} ${(r.scores![c] ?? 0).toFixed(3)}`).join(', ');
  return `| ${r.file} | ${r.decision} | ${top} |`;
});
const errors = results.filter((r) => r.scores === null).map((r) => `| ${r.file} | ${r.error} |`);

const report = `# image-safety@1 on benign images: false-flag rate of ${policy.version}

Written by \`bash scripts/image-thresholds/gather.sh\` (sources: \`scripts/image-thresholds/sources.txt\`;
scored by \`scripts/image-thresholds/measure.ts\` with the worker's own serving, signal runner and
policy engine). Every image here is benign: sample data, test images, icons and desktop wallpapers that
ship in registry packages, plus this project's photo and drawing fixtures. **No labelled NSFW set
exists in any registry, so this measures false flags only, never recall; the thresholds stay
\`calibrated: false\`.**

**Benign images flagged (REVIEW or BLOCK): ${flagged.length} of ${scored.length} (${pct(flagged.length / Math.max(1, scored.length))}; 95% upper bound ${pct(wilsonUpper(flagged.length, scored.length))}), BLOCKed: ${scored.filter((r) => r.decision === 'BLOCK').length}.** ${duplicates} byte-identical duplicates counted once; ${results.length - scored.length} files could not be scored (listed below).

| source | scored | ALLOW | REVIEW | BLOCK | flagged | not scorable |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

## Scores of the policy's classes on these images

| class | p50 | p90 | p99 | max | review at | block at |
| --- | --- | --- | --- | --- | --- | --- |
${quantRows.join('\n')}

Images that any one class would flag at a single threshold t (all of ${classes.join(', ')}):

| t | images | share |
| --- | --- | --- |
${sweep.join('\n')}

## Flagged images

${flaggedRows.length ? `| file | decision | scores |\n| --- | --- | --- |\n${flaggedRows.join('\n')}` : 'None.'}

## Not scorable

${errors.length ? `| file | code |\n| --- | --- |\n${errors.join('\n')}` : 'None.'}
`;
await writeFile(values.out, report);
console.log(`flagged ${flagged.length} of ${scored.length} benign images; report: ${values.out}`);
