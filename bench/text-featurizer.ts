// Prints the TypeScript text featurizer's throughput over the held-out pins (texts/s, MB/s).
//   npx tsx bench/text-featurizer.ts
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { pinText } from '../src/preprocess/pin-text.js';
import { TextFeaturizer, type TextFeaturizerSpec } from '../src/preprocess/text-features.js';

const root = new URL('../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('models/text-spam/1/manifest.json', root), 'utf8')) as {
  preprocess: TextFeaturizerSpec;
};
const texts = gunzipSync(readFileSync(new URL('test/fixtures/text-spam/test-set.jsonl.gz', root)))
  .toString('utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as { title: string; description: string })
  .map((p) => pinText({ title: p.title, description: p.description, link: '' }));
const short = texts.map((t) => t.slice(0, 300));
const featurizer = new TextFeaturizer(manifest.preprocess);

for (const [name, set] of [
  ['e-mail bodies (median ~1.5 KB)', texts],
  ['pin-sized (first 300 chars)', short],
] as const) {
  for (let i = 0; i < 2; i++) set.forEach((t) => featurizer.featurize(t)); // warm-up
  const rounds = 5;
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const t of set) featurizer.featurize(t);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = set.reduce((n, t) => n + Buffer.byteLength(t), 0) * rounds;
  console.log(
    `${name}: ${((set.length * rounds) / seconds).toFixed(0)} texts/s, ${(bytes / seconds / 1e6).toFixed(1)} MB/s`,
  );
}
