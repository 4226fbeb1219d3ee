// Cost of `text.embedding` (text-embedding@1, all-MiniLM-L6-v2) in onnxruntime-node on this machine,
// next to text-spam@2 (the default text model), on the written pins of training/data/pins/ (the texts
// of the model's agreement figures): texts/s at batch 1 and 32 (rows sorted by length within the run,
// as the batcher sees a mixed stream: no sorting), tokenizing included, and the load average.
//   npx tsx bench/embeddings/text-embedding-cost.ts [--seconds 8] [--threads 1]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createInProcessSession } from '../../src/infer/in-process-session.js';
import { ModelRepository } from '../../src/infer/model-repository.js';
import { loadTextModelKind } from '../../src/infer/text-model-kind.js';
import { pinText } from '../../src/preprocess/pin-text.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, threads: { type: 'string', default: '1' } },
});
const SECONDS = Number(values.seconds);
const threads = Number(values.threads);

const texts = ['dev', 'unseen', 'unseen2', 'train-written', 'train-written-3'].flatMap((name) => {
  const [header, ...lines] = readFileSync(`training/data/pins/${name}.tsv`, 'utf8').trimEnd().split('\n');
  const col = header!.split('\t');
  return lines.map((line) => {
    const f = line.split('\t');
    const get = (c: string) => f[col.indexOf(c)] ?? '';
    return pinText({ title: get('title'), description: get('description'), link: get('link') });
  });
});

const repo = new ModelRepository({
  root: 'models',
  createSession: createInProcessSession,
  session: { intraOpNumThreads: threads, interOpNumThreads: 1 },
});
const out: Record<string, unknown> = { texts: texts.length, threads };
for (const [name, version] of [
  ['text-embedding', '1'],
  ['text-spam', '2'],
] as const) {
  const model = await repo.load(name, version);
  const kind = await loadTextModelKind(model);
  for (const batch of [1, 32]) {
    let n = 0;
    let i = 0;
    const started = performance.now();
    while (performance.now() - started < SECONDS * 1000) {
      const rows = Array.from({ length: batch }, () => kind.prepare(texts[i++ % texts.length]!));
      await model.session.run(kind.packer.pack(rows));
      n += batch;
    }
    const perS = n / ((performance.now() - started) / 1000);
    out[`${name}@${version} batch ${batch}`] = {
      textsPerS: Math.round(perS * 10) / 10,
      msPerText: Math.round((1000 / perS) * 100) / 100,
    };
  }
  await model.session.close();
}
out['loadavg1'] = Math.round(loadavg()[0]! * 10) / 10;
console.log(JSON.stringify(out, null, 2));
