import { describe, expect, it } from 'vitest';
import { minimalPinCreated } from '../../support/records.js';
import { uniqueName } from '../../support/stack-env.js';
import {
  createWorkerTopics,
  labelCollector,
  producePins,
  sleep,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const { admin } = useWorkerTestBed();

describe('DELIVERY=exactly-once', () => {
  it('labels every pin once through transactions, with the offsets committed by them', async () => {
    const topics = await createWorkerTopics(admin, 3);
    const prefix = uniqueName('eos');
    const pins = Array.from({ length: 120 }, (_, i) =>
      minimalPinCreated({ pinId: `${prefix}-${i}`, title: `Exactly once pin ${i}` }),
    );
    await producePins(topics.pins, pins);
    // kafkajs consumers read read_committed by default: only committed transactions are seen.
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics, { DELIVERY: 'exactly-once', MAX_IN_FLIGHT: '32' });
    try {
      await labels.waitFor(pins.length, 90_000);
      await sleep(2000);
      const [offsets] = await admin.fetchOffsets({ groupId: topics.groupId, topics: [topics.pins] });
      const committed = offsets!.partitions.reduce((n, p) => n + Number(p.offset), 0);
      expect(labels.records.map((r) => r.key).sort()).toEqual(pins.map((p) => p.pinId).sort());
      expect(committed).toBe(pins.length);
    } finally {
      await worker.stop();
      await labels.stop();
    }
  });
});
