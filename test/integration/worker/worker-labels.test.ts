import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { FIXTURE_IMAGES_DIR, startImageServer, type ImageServer } from '../../support/image-server.js';
import { OfflineScores } from '../../support/offline-scores.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  kafka,
  labelCollector,
  producePins,
  scrape,
  startTestWorker,
} from '../../support/worker-harness.js';
import { SCORABLE_IMAGES } from '../../support/fixture-images.js';

const IMAGES = SCORABLE_IMAGES;
const TEXTS = [
  ['Blue ceramic vase', 'Hand-thrown stoneware with a cobalt glaze.', null],
  [
    'Weeknight lentil soup',
    'Red lentils, cumin and lemon; ready in 30 minutes.',
    'https://recipes.example.com/lentil',
  ],
  [
    '$$$ MAKE MONEY FAST $$$',
    'Earn $5000 a week from home!!! Click now, limited offer!!!',
    'http://cash.example.biz/join',
  ],
  ['FREE PILLS', 'Cheap meds, no prescription, order now and save 80%!!!', 'http://pharma.example.info/'],
  [null, 'Reading nook: a window seat and two cushions.', null],
] as const;

const admin = kafka.admin();
let images: ImageServer;
let offline: OfflineScores;
beforeAll(async () => {
  await admin.connect();
  images = await startImageServer();
  offline = await OfflineScores.load();
});
afterAll(async () => {
  await Promise.all([admin.disconnect(), images.close(), offline.close()]);
});

function pinAt(i: number, prefix: string, withSignature = false): PinCreated {
  const [title, description, link] = TEXTS[i % TEXTS.length]!;
  const name = IMAGES[i % IMAGES.length]!;
  return minimalPinCreated({
    pinId: `${prefix}-${i}`,
    title,
    description,
    link,
    // Every seventh pin is text-only.
    image:
      i % 7 === 3
        ? null
        : {
            url: images.url(`/images/${name}`),
            signature: withSignature ? `fixture:${name}` : null,
            width: null,
            height: null,
            mime: null,
          },
  });
}

describe('worker: pins in, labels out', () => {
  it('labels 500 pins exactly once each, with the scores the models give offline', async () => {
    const topics = await createWorkerTopics(admin, 3);
    const pins = Array.from({ length: 500 }, (_, i) => pinAt(i, 'e2e'));
    await producePins(topics.pins, pins);
    const labels = await labelCollector(topics.labels);
    // No shared cache and no memory of recent scores: scores come from the worker's own inference
    // (pins in flight at the same time with equal content still share one run).
    const { worker, guard } = await startTestWorker(topics, {
      CACHE_ENABLED: 'false',
      MEMO_MAX_ENTRIES: '0',
    });
    try {
      await labels.waitFor(500, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await worker.stop();
      await labels.stop();
    }
    expect(labels.records).toHaveLength(500);
    const byPin = new Map(labels.records.map((r) => [r.key, r.record]));
    expect(byPin.size).toBe(500);

    const expectedImage = new Map<string, Record<string, number>>();
    for (const name of IMAGES)
      expectedImage.set(name, await offline.imageScores(readFileSync(`${FIXTURE_IMAGES_DIR}/${name}`)));
    let maxDelta = 0;
    for (const [i, pin] of pins.entries()) {
      const label = byPin.get(pin.pinId)!;
      expect(label).toMatchObject({
        pinId: pin.pinId,
        sourceEventId: pin.eventId,
        source: { topic: topics.pins },
      });
      const [image, text] = label.signals;
      const expectedText = await offline.textScores(pin);
      for (const [cls, p] of Object.entries(expectedText))
        maxDelta = Math.max(maxDelta, Math.abs(text!.scores[cls]! - p));
      expect(text).toMatchObject({ signal: 'text.spam', reasonCode: null });
      if (pin.image === null) {
        expect(image).toMatchObject({ decision: 'UNSCORED', reasonCode: 'IW_CONTENT_ABSENT' });
        continue;
      }
      expect(image).toMatchObject({
        signal: 'image.safety',
        model: { name: 'image-safety', version: '1' },
        reasonCode: null,
      });
      const expected = expectedImage.get(IMAGES[i % IMAGES.length]!)!;
      for (const [cls, p] of Object.entries(expected))
        maxDelta = Math.max(maxDelta, Math.abs(image!.scores[cls]! - p));
    }
    console.log(`500 labels; max |worker score - offline score| = ${maxDelta.toExponential(2)}`);
    expect(maxDelta).toBeLessThanOrEqual(1e-6);
    expect(guard.violations).toEqual([]);
  });

  it('runs each model once per unique image and text; the rest are cache hits', async () => {
    const topics = await createWorkerTopics(admin, 3);
    // 300 pins over 20 images and 5 texts; half carry signatures (hits before any download).
    const pins = Array.from({ length: 300 }, (_, i) => pinAt(i, 'dup', i % 2 === 0));
    const uniqueImages = new Set(pins.filter((p) => p.image).map((p) => p.image!.url)).size;
    await producePins(topics.pins, pins);
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics);
    try {
      await labels.waitFor(300, 120_000);
      const inferredImages = await scrape(worker, 'iw_inference_batch_size_sum', { model: 'image-safety@1' });
      const inferredTexts = await scrape(worker, 'iw_inference_batch_size_sum', { model: 'text-spam@1' });
      const hits = await scrape(worker, 'iw_cache_lookups_total', { result: 'hit' });
      console.log(
        `inferred ${inferredImages} images (unique ${uniqueImages}), ${inferredTexts} texts (unique ${TEXTS.length}); cache hits ${hits}`,
      );
      expect(inferredImages).toBe(uniqueImages);
      expect(inferredTexts).toBe(TEXTS.length);
      // image.near_duplicate is never cached: it searches an index that changes while content does not.
      const scoredSignals = labels.records
        .flatMap((r) => r.record.signals)
        .filter((s) => s.reasonCode === null && s.signal !== 'image.near_duplicate');
      expect(hits).toBe(scoredSignals.length - uniqueImages - TEXTS.length);
      expect(scoredSignals.filter((s) => s.cached)).toHaveLength(hits);
    } finally {
      await worker.stop();
      await labels.stop();
    }
  });
});
