import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingFromBytes } from '../../../src/contracts/embedding-vector.js';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { sha256Key } from '../../../src/content/content-key.js';
import {
  decodeOrbFeatures,
  SERVED_VERIFICATION_RULE,
} from '../../../src/neighbours/near-duplicate-verification.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';
import { startImageServer, FIXTURE_IMAGES_DIR, type ImageServer } from '../../support/image-server.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  embeddingCollector,
  kafka,
  labelCollector,
  producePins,
  startTestWorker,
} from '../../support/worker-harness.js';

const ORIGINAL = 'photo-chelsea.jpg';
const DISTINCT = 'photo-coffee.jpg';

/** `iw_near_duplicate_verifications_total` from a /metrics page, by `by/reason/matched`. */
function verificationCounts(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    const m = /^iw_near_duplicate_verifications_total\{([^}]*)\} (\d+)/.exec(line);
    if (!m) continue;
    const attrs = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    counts[`${attrs['by']}/${attrs['reason']}/${attrs['matched']}`] = Number(m[2]);
  }
  return counts;
}

const pin = (pinId: string, url: string): PinCreated =>
  minimalPinCreated({
    pinId,
    title: 'A normal pin', // ALLOWed by the text model: the image decides
    image: { url, signature: null, width: null, height: null, mime: null },
  });

describe('worker: embeddings and near-duplicates (real Kafka, registry, Redis)', () => {
  const admin = kafka.admin();
  let images: ImageServer;
  let originalBytes: Buffer;
  let copyBytes: Buffer;
  let croppedBytes: Buffer;
  let blockEverything: string;

  beforeAll(async () => {
    await admin.connect();
    originalBytes = await readFile(join(FIXTURE_IMAGES_DIR, ORIGINAL));
    // Re-encoded and resized: other bytes (another content key), the same picture.
    const { width } = await sharp(originalBytes).metadata();
    copyBytes = await sharp(originalBytes)
      .resize({ width: Math.round(width! * 0.75) })
      .jpeg({ quality: 70 })
      .toBuffer();
    // Cropped to its top-left 80% (the evaluation's crop-80), resized to 75%, JPEG q70: the served
    // embedding puts it beyond its strict distance from the original (0.159 when measured), ORB does not.
    const { height } = await sharp(originalBytes).metadata();
    const [cw, ch] = [Math.round(width! * 0.8), Math.round(height! * 0.8)];
    croppedBytes = await sharp(originalBytes)
      .extract({ left: 0, top: 0, width: cw, height: ch })
      .resize({ width: Math.round(cw * 0.75) })
      .jpeg({ quality: 70 })
      .toBuffer();
    images = await startImageServer({ files: { 'copy.jpg': copyBytes, 'cropped.jpg': croppedBytes } });
    // A policy under which image-safety@1 BLOCKs every image: the fixtures hold no unsafe photo.
    const policy = JSON.parse(await readFile('policy/policy-v1.json', 'utf8')) as {
      version: string;
      signals: Record<string, { block: Record<string, number> }>;
    };
    policy.version = 'policy-v900';
    policy.signals['image.safety']!.block = { Neutral: 0, Drawing: 0 };
    blockEverything = join(await mkdtemp(join(tmpdir(), 'iw-neardup-')), 'policy-block-all.json');
    await writeFile(blockEverything, JSON.stringify(policy));
  });
  afterAll(() => Promise.all([admin.disconnect(), images?.close()]));

  it('publishes an embedding for every scored pin and flags a re-encoded, resized copy of a BLOCKed image as its near-duplicate', async () => {
    const topics = await createWorkerTopics(admin, 2);
    const labels = await labelCollector(topics.labels);
    const embeddings = await embeddingCollector(topics.embeddings);
    try {
      // 1. The original is BLOCKed (by the test's policy); its embedding goes to the topic with BLOCK.
      await producePins(topics.pins, [pin('original', images.url(`/images/${ORIGINAL}`))]);
      // NEAR_DUPLICATE_VERIFIER=none: the embedding threshold alone, as before ORB verification.
      const first = await startTestWorker(topics, {
        POLICY_FILE: blockEverything,
        NEAR_DUPLICATE_VERIFIER: 'none',
      });
      try {
        await embeddings.waitFor(1, 90_000);
      } finally {
        await first.worker.stop();
      }
      expect(labels.records.map((r) => [r.key, r.record.decision])).toEqual([['original', 'BLOCK']]);

      // 2. A new worker (the usual policy) builds its index from the topic before it reads pins.
      const second = await startTestWorker(topics, { NEAR_DUPLICATE_VERIFIER: 'none' });
      try {
        await producePins(topics.pins, [
          pin('copy', images.url('/images/copy.jpg')),
          pin('distinct', images.url(`/images/${DISTINCT}`)),
          minimalPinCreated({ pinId: 'text-only', title: 'A normal pin', image: null }),
        ]);
        await labels.waitFor(4, 90_000);
        await embeddings.waitFor(3, 30_000);
      } finally {
        await second.worker.stop();
      }

      const label = (pinId: string) => labels.records.find((r) => r.key === pinId)!.record;
      const signal = (pinId: string, name: string) => label(pinId).signals.find((s) => s.signal === name);
      const originalKey = sha256Key(originalBytes);

      expect(signal('copy', 'image.safety')).toMatchObject({ decision: 'ALLOW' });
      expect(signal('copy', 'image.near_duplicate')).toMatchObject({
        decision: 'REVIEW',
        rule: 'thresholds',
        contentKey: sha256Key(copyBytes),
        scores: { BLOCK: 1, REVIEW: 0 },
        nearDuplicate: { contentKey: originalKey, pinId: 'original', decision: 'BLOCK' },
      });
      const distance = signal('copy', 'image.near_duplicate')!.nearDuplicate!.distance;
      expect(distance).toBeGreaterThan(0);
      expect(distance).toBeLessThanOrEqual(0.1426);
      expect(label('copy').decision).toBe('REVIEW');

      expect(signal('distinct', 'image.near_duplicate')).toMatchObject({
        decision: 'ALLOW',
        nearDuplicate: null,
      });
      expect(label('distinct').decision).toBe('ALLOW');
      // No image: the near-duplicate signal is absent and ignored, like the image signal.
      expect(signal('text-only', 'image.near_duplicate')).toMatchObject({
        decision: 'UNSCORED',
        reasonCode: 'IW_CONTENT_ABSENT',
      });
      // The embedding signal is not part of the label.
      expect(label('copy').signals.map((s) => s.signal)).not.toContain('image.embedding');

      // One embedding per pin with a scored image; its decision is the image's own (the copy's
      // inherited REVIEW is left out, so the copy is not indexed as flagged content).
      const byPin = new Map(embeddings.records.map((r) => [r.key, r.record]));
      expect([...byPin.keys()].sort()).toEqual(['copy', 'distinct', 'original']);
      expect(byPin.get('original')).toMatchObject({
        contentKey: originalKey,
        kind: 'IMAGE',
        signal: 'image.embedding',
        model: { name: 'image-safety', version: '1' },
        output: 'embedding',
        dimension: 1280,
        normalized: true,
        decision: 'BLOCK',
      });
      expect(byPin.get('copy')).toMatchObject({ contentKey: sha256Key(copyBytes), decision: 'ALLOW' });
      const vector = embeddingFromBytes(byPin.get('copy')!.vector, 1280);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    } finally {
      await Promise.all([labels.stop(), embeddings.stop()]);
    }
  }, 240_000);
  it('verifies candidates by ORB: flags a cropped, resized copy the strict embedding misses, not a distinct photo within the loose distance; features only for BLOCKed content', async () => {
    const topics = await createWorkerTopics(admin, 2);
    const labels = await labelCollector(topics.labels);
    const embeddings = await embeddingCollector(topics.embeddings);
    // One namespace for both workers: the features the first one stores are the second one's to read.
    const namespace = uniqueName('iwtest-orb');
    const redis = new Redis(stackEnv.redisUrl);
    try {
      await producePins(topics.pins, [pin('original', images.url(`/images/${ORIGINAL}`))]);
      const first = await startTestWorker(topics, {
        POLICY_FILE: blockEverything,
        CACHE_NAMESPACE: namespace,
      });
      try {
        await embeddings.waitFor(1, 90_000);
      } finally {
        await first.worker.stop();
      }
      expect(labels.records.map((r) => [r.key, r.record.decision])).toEqual([['original', 'BLOCK']]);

      const second = await startTestWorker(topics, { CACHE_NAMESPACE: namespace });
      let metrics = '';
      try {
        await producePins(topics.pins, [
          pin('cropped', images.url('/images/cropped.jpg')),
          pin('distinct', images.url(`/images/${DISTINCT}`)),
        ]);
        await labels.waitFor(3, 90_000);
        await embeddings.waitFor(3, 30_000);
        metrics = await (await fetch(`http://127.0.0.1:${second.worker.httpPort}/metrics`)).text();
      } finally {
        await second.worker.stop();
      }

      const label = (pinId: string) => labels.records.find((r) => r.key === pinId)!.record;
      const signal = (pinId: string, name: string) => label(pinId).signals.find((s) => s.signal === name);
      const originalKey = sha256Key(originalBytes);

      // The copy: beyond the strict embedding distance, so only ORB's verdict can have matched it.
      expect(signal('cropped', 'image.safety')).toMatchObject({ decision: 'ALLOW' });
      expect(signal('cropped', 'image.near_duplicate')).toMatchObject({
        decision: 'REVIEW',
        contentKey: sha256Key(croppedBytes),
        scores: { BLOCK: 1, REVIEW: 0 },
        nearDuplicate: { contentKey: originalKey, pinId: 'original', decision: 'BLOCK' },
      });
      const distance = signal('cropped', 'image.near_duplicate')!.nearDuplicate!.distance;
      expect(distance).toBeGreaterThan(SERVED_VERIFICATION_RULE.strictDistance);
      expect(distance).toBeLessThanOrEqual(SERVED_VERIFICATION_RULE.looseDistance);
      expect(label('cropped').decision).toBe('REVIEW');

      // The distinct photo is a candidate (within the loose distance of the original) that ORB rejects.
      const distinct = signal('distinct', 'image.near_duplicate')!;
      expect(distinct).toMatchObject({ decision: 'ALLOW', nearDuplicate: null });
      expect(1 - distinct.scores.similarity!).toBeLessThanOrEqual(SERVED_VERIFICATION_RULE.looseDistance);
      expect(label('distinct').decision).toBe('ALLOW');
      // Both verdicts were ORB's (one match, one rejection), none the embedding fallback's.
      const verdicts = verificationCounts(metrics);
      expect(verdicts).toEqual({ 'orb/none/true': 1, 'orb/none/false': 1 });

      // Features are stored for the BLOCKed original only (the copy's embedding is ALLOW, like the other's).
      const stored = await redis.getBuffer(`${namespace}:orb:${originalKey}`);
      expect(decodeOrbFeatures(stored!).count).toBeGreaterThanOrEqual(SERVED_VERIFICATION_RULE.minKeypoints);
      expect(await redis.keys(`${namespace}:orb:*`)).toEqual([`${namespace}:orb:${originalKey}`]);
    } finally {
      redis.disconnect();
      await Promise.all([labels.stop(), embeddings.stop()]);
    }
  }, 240_000);
});
