import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../../src/contracts/generated/dead-letter.js';
import { minimalPinCreated } from '../../support/records.js';
import { uniqueName } from '../../support/stack-env.js';
import {
  createWorkerTopics,
  deadLetterCollector,
  labelCollector,
  producePins,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const { admin } = useWorkerTestBed();

describe('a record that can never be published whole', () => {
  it('a dead letter too large for its topic keeps a truncated value, says so, and the partition moves on', async () => {
    const topics = await createWorkerTopics(admin, 1);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topics.deadLetters,
          configEntries: [{ name: 'max.message.bytes', value: '20000' }],
        },
      ],
    });
    // Not Avro (first byte is not the magic 0): each becomes a dead letter carrying its bytes.
    const huge = Buffer.alloc(1_000_000, 'x');
    const medium = [1, 2, 3].map((i) => Buffer.alloc(15_000, String(i)));
    const prefix = uniqueName('big');
    const good = Array.from({ length: 10 }, (_, i) =>
      minimalPinCreated({ pinId: `${prefix}-${i}`, title: `A normal pin number ${i}` }),
    );
    await producePins(topics.pins, [{ key: 'huge', value: huge }]);
    // Three dead letters that fit one by one but not together in one record batch.
    await producePins(
      topics.pins,
      medium.map((value, i) => ({ key: `medium-${i}`, value })),
    );
    await producePins(topics.pins, good);
    const labels = await labelCollector(topics.labels);
    const deadLetters = await deadLetterCollector(topics.deadLetters);
    const { worker } = await startTestWorker(topics);
    try {
      await labels.waitFor(good.length, 60_000);
      await deadLetters.waitFor(4, 10_000);
      expect(new Set(labels.records.map((r) => r.key))).toEqual(new Set(good.map((p) => p.pinId)));
      const byKey = new Map(deadLetters.records.map((r) => [r.key, r.record as DeadLetter]));
      const cut = byKey.get('huge')!;
      expect(cut.errorCode).toBe('IW_WIRE_BAD_MAGIC');
      expect(cut.originalValueBytes).toBe(huge.length);
      expect(cut.value!.length).toBeGreaterThan(10_000);
      expect(cut.value!.length).toBeLessThan(20_000);
      expect(cut.value!.equals(huge.subarray(0, cut.value!.length))).toBe(true);
      for (const [i, value] of medium.entries()) {
        const whole = byKey.get(`medium-${i}`)!;
        expect(whole.originalValueBytes).toBeNull();
        expect(whole.value!.equals(value)).toBe(true);
      }
    } finally {
      await worker.stop();
      await Promise.all([labels.stop(), deadLetters.stop()]);
    }
  });
});
