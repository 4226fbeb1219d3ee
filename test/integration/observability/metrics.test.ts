import { describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import type { WorkerHandle } from '../../../src/main.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  deadLetterCollector,
  labelCollector,
  producePins,
  scrape,
  sleep,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const IMAGES = [
  'photo-coffee.jpg',
  'photo-chelsea.jpg',
  'photo-rocket.jpg',
  'drawing-house.png',
  'odd-alpha.png',
];
const TITLES = ['Lentil soup', 'A cat on a sofa', 'Rocket launch', 'Little house', 'Transparent logo'];

const bed = useWorkerTestBed();
const { admin } = bed;

const pin = (pinId: string, title: string | null, path: string | null): PinCreated =>
  minimalPinCreated({
    pinId,
    title,
    createdAt: Date.now(),
    image:
      path === null
        ? null
        : { url: bed.images.url(path), signature: null, width: null, height: null, mime: null },
  });

/** Scrapes until `metric` reaches `want` (counters are updated when outputs are acknowledged) or 20 s pass. */
async function settled(worker: WorkerHandle, metric: string, labels: Record<string, string>, want: number) {
  const deadline = Date.now() + 20_000;
  let value = await scrape(worker, metric, labels);
  while (value !== want && Date.now() < deadline) {
    await sleep(100);
    value = await scrape(worker, metric, labels);
  }
  return value;
}

const TWO_SIGNALS = 'image.safety=image-safety@1,text.spam=text-spam@1';

describe('metrics: after a known stream the counters and histograms hold the expected counts', () => {
  it('counts labels, dead letters by code, cache hits, fetch failures, scores, batches, lag; /metrics is Prometheus text', async () => {
    const topics = await createWorkerTopics(admin, 2);
    // The counts below are for the two scoring signals; embeddings and near-duplicates have tests of their own.
    const { worker } = await startTestWorker(topics, {
      CONSUMER_LAG_INTERVAL_MS: '200',
      SIGNALS: TWO_SIGNALS,
    });
    const labels = await labelCollector(topics.labels);
    const deadLetters = await deadLetterCollector(topics.deadLetters);
    try {
      // First pass: five new images with new texts, one broken image, three broken records.
      await producePins(topics.pins, [
        ...IMAGES.map((name, i) => pin(`new-${i}`, TITLES[i]!, `/images/${name}`)),
        pin('missing-image', 'An image that is gone', '/status/404'),
        { key: 'bad-json-1', value: Buffer.from('{"pinId":"x"}') },
        { key: 'bad-json-2', value: Buffer.from('not even json') },
        pin('bad-empty', null, null),
      ]);
      await labels.waitFor(6);
      await deadLetters.waitFor(3);
      // Second pass: the same content again, so every signal is a cache hit.
      await producePins(
        topics.pins,
        IMAGES.map((name, i) => pin(`again-${i}`, TITLES[i]!, `/images/${name}`)),
      );
      await labels.waitFor(11);
      expect(labels.records).toHaveLength(11);

      expect(await settled(worker, 'iw_end_to_end_latency_count', {}, 11)).toBe(11);
      expect(await scrape(worker, 'iw_labels_total')).toBe(11);
      expect(await scrape(worker, 'iw_messages_total')).toBe(14);
      // Every record's wait before its handling, the broken ones included, by input topic.
      expect(await scrape(worker, 'iw_consume_delay_count', { topic: topics.pins })).toBe(14);
      expect(await scrape(worker, 'iw_dead_letters_total', { code: 'IW_WIRE_BAD_MAGIC' })).toBe(2);
      expect(await scrape(worker, 'iw_dead_letters_total', { code: 'IW_INPUT_INVALID' })).toBe(1);
      expect(await scrape(worker, 'iw_dead_letters_total')).toBe(3);
      // Hits: 5 images + 5 texts of the second pass; misses: 5 images + 6 texts of the first.
      expect(await scrape(worker, 'iw_cache_lookups_total', { result: 'hit' })).toBe(10);
      expect(await scrape(worker, 'iw_cache_lookups_total', { result: 'miss' })).toBe(11);
      expect(await scrape(worker, 'iw_fetch_failures_total', { reason: 'IW_FETCH_HTTP_STATUS' })).toBe(1);
      expect(await scrape(worker, 'iw_unscored_total', { reason: 'IW_FETCH_HTTP_STATUS' })).toBe(1);
      expect(await scrape(worker, 'iw_decisions_total', { signal: 'overall' })).toBe(11);
      // Scores for every scored signal, cached or not: 10 images x 5 classes, 11 texts x 2 classes.
      expect(await scrape(worker, 'iw_class_score_count', { model: 'image-safety@1' })).toBe(50);
      expect(await scrape(worker, 'iw_class_score_count', { model: 'text-spam@1' })).toBe(22);
      // Rows inferred: each new image and text once.
      expect(await scrape(worker, 'iw_inference_batch_size_sum', { model: 'image-safety@1' })).toBe(5);
      expect(await scrape(worker, 'iw_inference_batch_size_sum', { model: 'text-spam@1' })).toBe(6);
      expect(await scrape(worker, 'iw_inference_queue_wait_count', { model: 'image-safety@1' })).toBe(5);
      expect(await scrape(worker, 'iw_inference_compute_count')).toBeGreaterThanOrEqual(2);
      expect(await scrape(worker, 'iw_stage_duration_count', { stage: 'policy' })).toBe(11);
      // Without a signature every pin's image is downloaded (its bytes are the cache key).
      expect(await scrape(worker, 'iw_stage_duration_count', { stage: 'fetch', outcome: 'ok' })).toBe(10);
      expect(
        await scrape(worker, 'iw_stage_duration_count', { stage: 'fetch', outcome: 'IW_FETCH_HTTP_STATUS' }),
      ).toBe(1);

      // Lag per assigned partition, read from Kafka every 200 ms: both partitions, nothing left.
      const deadline = Date.now() + 20_000;
      let lagLines: string[] = [];
      while (Date.now() < deadline) {
        lagLines = (await metricsText(worker)).split('\n').filter((l) => l.startsWith('iw_consumer_lag{'));
        if (lagLines.length === 2 && lagLines.every((l) => l.endsWith(' 0'))) break;
        await sleep(100);
      }
      expect(lagLines.map((l) => /partition="(\d+)"/.exec(l)?.[1]).sort()).toEqual(['0', '1']);
      expect(lagLines.every((l) => l.endsWith(' 0') && l.includes(`topic="${topics.pins}"`))).toBe(true);

      // Runtime gauges.
      expect(await scrape(worker, 'iw_runtime_memory', { type: 'rss' })).toBeGreaterThan(0);
      const text = await metricsText(worker);
      for (const name of [
        'nodejs_eventloop_delay_p50',
        'nodejs_eventloop_delay_p99',
        'nodejs_eventloop_delay_max',
      ])
        expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? [0-9.e+-]+$`, 'm'));

      // Prometheus text exposition: HELP and TYPE per family, histogram buckets ending in +Inf.
      expect(text).toContain('# TYPE iw_labels_total counter');
      expect(text).toContain('# HELP iw_labels_total IntegrityLabels published.');
      expect(text).toContain('# TYPE iw_end_to_end_latency histogram');
      expect(text).toMatch(/^iw_end_to_end_latency_bucket\{[^}]*le="\+Inf"\} 11$/m);
      expect(text).toContain('# TYPE iw_consume_delay histogram');
      expect(text).toContain('# TYPE iw_consumer_lag gauge');
      const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} (${m[2]})`);
      console.log(`metric families on /metrics:\n  ${families.join('\n  ')}`);
    } finally {
      await Promise.all([labels.stop(), deadLetters.stop()]);
      await worker.stop();
    }
  });
});

async function metricsText(worker: WorkerHandle): Promise<string> {
  return (await fetch(`http://127.0.0.1:${worker.httpPort}/metrics`)).text();
}
