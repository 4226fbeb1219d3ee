import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  labelCollector,
  producePins,
  scrape,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const bed = useWorkerTestBed();

/** The evaluation texts the text model's reference was computed from, as text-only pins. */
const evaluation = gunzipSync(readFileSync('test/fixtures/text-spam/test-set.jsonl.gz'))
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { title: string; description: string; link: string | null });

describe('worker: drift', () => {
  it('PSI of the text model stays low on data like its reference and rises on a skewed stream', async () => {
    const topics = await createWorkerTopics(bed.admin, 1);
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics, {
      SIGNALS: 'text.spam=text-spam@1',
      DRIFT_WINDOW_SCORES: '200',
    });
    const psi = () => scrape(worker, 'iw_drift_psi', { model: 'text-spam@1', class: 'spam' });
    try {
      // Every fourth message of the evaluation split: the same mix as the reference.
      const like = evaluation.filter((_, i) => i % 4 === 0).slice(0, 200);
      await producePins(
        topics.pins,
        like.map((r, i) =>
          minimalPinCreated({
            pinId: `like-${i}`,
            title: r.title,
            description: r.description,
            link: r.link,
            image: null,
          }),
        ),
      );
      await labels.waitFor(like.length);
      const before = await psi();
      const skewed = Array.from({ length: 200 }, (_, i) =>
        minimalPinCreated({
          pinId: `skew-${i}`,
          title: `$$$ MAKE MONEY FAST ${i} $$$`,
          description: 'Earn $5000 a week from home!!! Click now, limited offer!!!',
          link: 'http://cash.example.biz/join',
          image: null,
        }),
      );
      await producePins(topics.pins, skewed);
      await labels.waitFor(like.length + skewed.length);
      const after = await psi();
      expect(before).toBeLessThan(0.25);
      expect(after).toBeGreaterThan(1);
    } finally {
      await Promise.all([worker.stop(), labels.stop()]);
    }
  });
});
