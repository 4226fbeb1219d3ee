import { describe, expect, it } from 'vitest';
import type { IntegrityLabel } from '../../../src/contracts/generated/integrity-label.js';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  labelCollector,
  producePins,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const bed = useWorkerTestBed();

const pin = (pinId: string, url: string): PinCreated =>
  minimalPinCreated({
    pinId,
    title: 'A normal pin', // ALLOWed by the text model: the image decides
    image: { url, signature: null, width: null, height: null, mime: null },
  });

/** The labels of one pin, in the order they were published. */
const labelsOf = (records: readonly { key: string | null; record: IntegrityLabel }[], pinId: string) =>
  records.filter((r) => r.key === pinId).map((r) => r.record);

describe('worker: decisions that fail safe (real Kafka, registry, Redis)', () => {
  it('rescans a pin whose image timed out and relabels it; a corrupt image is REVIEW; rescans stop at the cap', async () => {
    const topics = await createWorkerTopics(bed.admin, 2);
    await producePins(topics.pins, [
      // Slower than the fetch timeout on the first request only: the rescan gets the photo.
      pin('slow', bed.images.url('/slow-first/8000/1/photo-coffee.jpg')),
      pin('corrupt', bed.images.url('/images/bad-truncated.jpg')),
      pin('down', bed.images.url('/status/503')),
    ]);
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics, {
      RETRY_MAX_ATTEMPTS: '1',
      FETCH_TOTAL_TIMEOUT_MS: '2000',
      RESCAN_MAX_ATTEMPTS: '2',
      RESCAN_BASE_DELAY_MS: '1500',
      RESCAN_MAX_DELAY_MS: '2000',
    });
    try {
      // slow: 2 labels (first scan, one rescan); corrupt: 1; down: 3 (first scan, two rescans).
      await labels.waitFor(6, 90_000);

      const [held, relabeled, ...moreSlow] = labelsOf(labels.records, 'slow');
      expect(moreSlow).toEqual([]);
      expect(held).toMatchObject({ decision: 'UNSCORED', attempt: 0 });
      expect(held!.signals[0]).toMatchObject({
        rule: 'rescan',
        reasonCode: 'IW_FETCH_TIMEOUT',
        decision: 'UNSCORED',
      });
      expect(held!.rescanNotBefore).toBeGreaterThanOrEqual(held!.labeledAt + 1500);
      expect(relabeled).toMatchObject({
        decision: 'ALLOW',
        attempt: 1,
        rescanNotBefore: null,
        sourceEventId: held!.sourceEventId,
        source: held!.source, // the position of the PinCreated, not of the rescan record
      });
      expect(relabeled!.signals[0]).toMatchObject({
        rule: 'thresholds',
        reasonCode: null,
        decision: 'ALLOW',
      });
      // The rescan waited for its not-before time.
      expect(relabeled!.labeledAt).toBeGreaterThanOrEqual(held!.rescanNotBefore!);

      const [corrupt, ...moreCorrupt] = labelsOf(labels.records, 'corrupt');
      expect(moreCorrupt).toEqual([]);
      expect(corrupt).toMatchObject({ decision: 'REVIEW', attempt: 0, rescanNotBefore: null });
      expect(corrupt!.signals[0]).toMatchObject({
        decision: 'REVIEW',
        rule: 'unscored.default',
        reasonCode: 'IW_IMAGE_DECODE',
      });

      const down = labelsOf(labels.records, 'down');
      expect(down.map((l) => [l.attempt, l.decision, l.signals[0]!.rule])).toEqual([
        [0, 'UNSCORED', 'rescan'],
        [1, 'UNSCORED', 'rescan'],
        [2, 'REVIEW', 'unscored.default'],
      ]);
      expect(down[2]!.rescanNotBefore).toBeNull();
    } finally {
      await worker.stop();
      await labels.stop();
    }
  }, 150_000);
});
