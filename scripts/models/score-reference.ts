/**
 * `npm run models:reference [-- name@version ...]`: computes each model's reference score
 * distribution (per class, 10 fixed bins over [0, 1]) from offline evaluation data and writes it into
 * the model's manifest (`reference`), where the worker's drift metric (PSI) reads it.
 *
 * Data: text-spam@1 scores the held-out test split of the SpamAssassin corpus it was evaluated on
 * (test/fixtures/text-spam/test-set.jsonl.gz, 864 messages, as pins: title, description, link);
 * text-spam@2 the development pins its thresholds were chosen on (training/data/pins/dev.tsv, 259).
 * Image models: no labelled image set exists in any registry, so the scorable fixture images
 * (photos, drawings, odd encodings: 20) and their variants (each also flipped, rotated 90 degrees,
 * downscaled to a half and blurred: 100 in all) stand in. That is a small, photo-heavy reference:
 * a live stream of other content will show drift against it; say so when reading the figure.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/load-config.js';
import { loadServing } from '../../src/infer/serving.js';
import { pinText } from '../../src/preprocess/pin-text.js';
import { parseModelRef, type ClassScores } from '../../src/scores.js';
import { SCORABLE_IMAGES } from '../../test/support/fixture-images.js';

const BINS = Array.from({ length: 11 }, (_, i) => i / 10);
const wanted = (process.argv.slice(2).length ? process.argv.slice(2) : ['image-safety@1', 'image-safety@2', 'text-spam@1', 'text-spam@2']).map(
  parseModelRef,
);
const config = loadConfig({});
const serving = await loadServing(config, wanted);

async function imageInputs(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const name of SCORABLE_IMAGES) {
    const bytes = await readFile(`test/fixtures/images/${name}`);
    const base = sharp(bytes, { animated: false }).rotate();
    const { width = 2 } = await base.metadata();
    out.push(
      bytes,
      await base.clone().flop().png().toBuffer(),
      await base.clone().rotate(90).png().toBuffer(),
      await base.clone().resize({ width: Math.max(1, Math.round(width / 2)) }).png().toBuffer(),
      await base.clone().blur(3).png().toBuffer(),
    );
  }
  return out;
}

/** The offline evaluation texts of a text model: where its figures and thresholds come from. */
const TEXT_SOURCES: Record<string, string> = {
  'text-spam@2':
    'development pins its thresholds were chosen on (training/data/pins/dev.tsv) as pin texts',
};

async function devPinTexts(): Promise<string[]> {
  const lines = (await readFile('training/data/pins/dev.tsv', 'utf8')).split('\n').slice(1).filter(Boolean);
  return lines
    .map((line) => line.split('\t'))
    .map(([, , , title = '', description = '', link = '']) => pinText({ title, description, link }));
}

async function textInputs(): Promise<string[]> {
  const lines = gunzipSync(await readFile('test/fixtures/text-spam/test-set.jsonl.gz')).toString('utf8').split('\n');
  return lines
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { title?: string; description?: string; link?: string })
    .map((r) => pinText({ title: r.title ?? '', description: r.description ?? '', link: r.link ?? '' }));
}

try {
  for (const ref of wanted) {
    const model = serving.models.find((m) => m.id === `${ref.name}@${ref.version}`)!;
    const scorer = serving.scorer(ref);
    const image = model.manifest.preprocess.kind === 'image';
    const textSource = TEXT_SOURCES[model.id];
    const inputs: unknown[] = image
      ? await imageInputs()
      : textSource
        ? await devPinTexts()
        : await textInputs();
    const classes: Record<string, number[]> = Object.fromEntries(scorer.classes.map((c) => [c, BINS.slice(1).map(() => 0)]));
    const scores: ClassScores[] = await Promise.all(inputs.map(async (v) => scorer.infer(await scorer.prepare(v as never))));
    for (const s of scores)
      for (const [name, score] of Object.entries(s)) {
        const i = Math.min(BINS.length - 2, Math.floor(score * 10));
        classes[name]![i]!++;
      }
    const file = `${config.MODELS_DIR}/${ref.name}/${ref.version}/manifest.json`;
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    manifest.reference = {
      bins: BINS,
      classes,
      samples: scores.length,
      source: image
        ? 'scorable fixture images (test/fixtures/images) and 4 variants each (flip, rotate 90, half size, blur): no labelled image set exists in any registry'
        : (textSource ??
          'held-out test split of the SpamAssassin corpus (test/fixtures/text-spam/test-set.jsonl.gz) as pin texts'),
    };
    await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`${model.id}: reference of ${scores.length} scores written to ${file}`);
  }
} finally {
  await serving.close();
}
