import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddingFromBytes } from '../../../src/contracts/embedding-vector.js';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { sha256Key } from '../../../src/content/content-key.js';
import { FIXTURE_IMAGES_DIR, startImageServer, type ImageServer } from '../../support/image-server.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  embeddingCollector,
  kafka,
  labelCollector,
  producePins,
  startTestWorker,
} from '../../support/worker-harness.js';

const VIDEOS_DIR = fileURLToPath(new URL('../../fixtures/videos/', import.meta.url));
const CLIP = 'clip-spliced.mp4';
// The clip's photo frame, extracted by scripts/fixtures/make-videos.sh: an image re-pinned from it.
const FRAME = 'clip-spliced-photo-frame.png';
// The workerEnv policy (policy-v1) has its text rule for text-spam@1.
const VIDEO_SIGNALS =
  'image.safety=image-safety@1,text.spam=text-spam@1,video.safety=image-safety@1,video.embedding=image-safety@1';
const IMAGE_SIGNALS =
  'image.safety=image-safety@1,text.spam=text-spam@1,image.embedding=image-safety@1,image.near_duplicate=image-safety@1';

describe('worker: video frames in the near-duplicate index (real Kafka, registry, Redis)', () => {
  const admin = kafka.admin();
  let files: ImageServer;
  let blockEverything: string;

  beforeAll(async () => {
    await admin.connect();
    const coffee = await readFile(join(FIXTURE_IMAGES_DIR, 'photo-coffee.jpg'));
    files = await startImageServer({ fixturesDir: VIDEOS_DIR, files: { 'photo-coffee.jpg': coffee } });
    // A policy under which image-safety@1 BLOCKs every video: the fixtures hold no unsafe frame.
    const policy = JSON.parse(await readFile('policy/policy-v1.json', 'utf8')) as {
      version: string;
      signals: Record<string, { block: Record<string, number> }>;
    };
    policy.version = 'policy-v901';
    policy.signals['video.safety']!.block = { Neutral: 0, Drawing: 0 };
    blockEverything = join(await mkdtemp(join(tmpdir(), 'iw-video-neardup-')), 'policy-block-videos.json');
    await writeFile(blockEverything, JSON.stringify(policy));
  });
  afterAll(() => Promise.all([admin.disconnect(), files?.close()]));

  it("publishes a BLOCKed video's deciding frame embedding, and flags an image of that frame as the video's near-duplicate", async () => {
    const topics = await createWorkerTopics(admin, 2);
    const labels = await labelCollector(topics.labels);
    const embeddings = await embeddingCollector(topics.embeddings);
    const clipBytes = await readFile(join(VIDEOS_DIR, CLIP));
    const frameBytes = await readFile(join(VIDEOS_DIR, FRAME));
    const videoPin: PinCreated = minimalPinCreated({
      pinId: 'video',
      title: 'A normal pin',
      video: { url: files.url(`/images/${CLIP}`), signature: null, durationMs: null, mime: 'video/mp4' },
    });
    const imagePin = (pinId: string, path: string): PinCreated =>
      minimalPinCreated({
        pinId,
        title: 'A normal pin', // ALLOWed by the text model: the image decides
        image: { url: files.url(path), signature: null, width: null, height: null, mime: null },
      });
    try {
      // 1. The video is BLOCKed (the test's policy); video.embedding publishes its deciding frame's vector.
      await producePins(topics.pins, [videoPin]);
      const first = await startTestWorker(topics, {
        SIGNALS: VIDEO_SIGNALS,
        POLICY_FILE: blockEverything,
        VIDEO_DECODE_TIMEOUT_MS: '60000',
      });
      try {
        await embeddings.waitFor(1, 120_000);
      } finally {
        await first.worker.stop();
      }
      const videoLabel = labels.records.find((r) => r.key === 'video')!.record;
      expect(videoLabel.decision).toBe('BLOCK');
      // The embedding signal is not part of the label.
      expect(videoLabel.signals.map((s) => s.signal)).not.toContain('video.embedding');
      const [published] = embeddings.records;
      expect(published).toMatchObject({
        key: 'video',
        record: {
          contentKey: sha256Key(clipBytes),
          kind: 'VIDEO_FRAME',
          signal: 'video.embedding',
          model: { name: 'image-safety', version: '1' },
          output: 'embedding',
          dimension: 1280,
          normalized: true,
          decision: 'BLOCK',
        },
      });
      expect(Math.hypot(...embeddingFromBytes(published!.record.vector, 1280))).toBeCloseTo(1, 5);

      // 2. A worker of image signals builds its index from the topic, then reads an image of the frame.
      const second = await startTestWorker(topics, { SIGNALS: IMAGE_SIGNALS });
      try {
        await producePins(topics.pins, [
          imagePin('frame', `/images/${FRAME}`),
          imagePin('distinct', '/images/photo-coffee.jpg'),
        ]);
        await labels.waitFor(3, 90_000);
      } finally {
        await second.worker.stop();
      }
      const signal = (pinId: string, name: string) =>
        labels.records.find((r) => r.key === pinId)!.record.signals.find((s) => s.signal === name);
      expect(signal('frame', 'image.safety')).toMatchObject({ decision: 'ALLOW' });
      expect(signal('frame', 'image.near_duplicate')).toMatchObject({
        decision: 'REVIEW',
        contentKey: sha256Key(frameBytes),
        nearDuplicate: { contentKey: sha256Key(clipBytes), pinId: 'video', decision: 'BLOCK' },
      });
      expect(signal('frame', 'image.near_duplicate')!.nearDuplicate!.distance).toBeLessThanOrEqual(0.1426);
      // Another photo is no near-duplicate of the video.
      expect(signal('distinct', 'image.near_duplicate')).toMatchObject({
        decision: 'ALLOW',
        nearDuplicate: null,
      });
    } finally {
      await Promise.all([labels.stop(), embeddings.stop()]);
    }
  }, 300_000);
});
