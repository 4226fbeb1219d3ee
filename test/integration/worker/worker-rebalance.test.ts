import { describe, expect, it } from 'vitest';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  labelCollector,
  producePins,
  sleep,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const bed = useWorkerTestBed();
const { admin } = bed;

describe('worker: rebalance', () => {
  it('keeps labeling while a second worker joins the group and the first leaves', async () => {
    const topics = await createWorkerTopics(admin, 4);
    const pins = Array.from({ length: 400 }, (_, i) =>
      minimalPinCreated({
        pinId: `rb-${i}`,
        title: `Rebalance pin ${i}`,
        description: `text ${i * 31}`,
        image: {
          url: bed.images.url('/images/photo-rocket.jpg'),
          signature: null,
          width: null,
          height: null,
          mime: null,
        },
      }),
    );
    await producePins(topics.pins, pins.slice(0, 200));
    const labels = await labelCollector(topics.labels);
    const env = { MAX_IN_FLIGHT: '16', PARTITIONS_CONCURRENTLY: '2' };
    const first = await startTestWorker(topics, env);
    await labels.waitFor(40, 60_000);
    const second = await startTestWorker(topics, env);
    await producePins(topics.pins, pins.slice(200));
    await labels.waitFor(250, 60_000);
    await first.worker.stop(); // the second worker takes every partition over
    try {
      await labels.waitFor(400, 90_000);
      await sleep(2000);
    } finally {
      await second.worker.stop();
      await labels.stop();
    }
    const counts = new Map<string, number>();
    for (const r of labels.records) counts.set(r.key!, (counts.get(r.key!) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    console.log(
      `labels ${labels.records.length} for 400 pins across two rebalances; pins labeled twice: ${duplicates}`,
    );
    // At least once: every pin is labeled. A rebalance may replay an uncommitted chunk (at most
    // MAX_IN_FLIGHT / PARTITIONS_CONCURRENTLY records per partition moved), never more.
    expect(counts.size).toBe(400);
    expect(duplicates).toBeLessThanOrEqual(4 * 8);
  });
});
