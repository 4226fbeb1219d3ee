import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { sha256Key } from '../../../src/content/content-key.js';
import { frameSamplerFromConfig } from '../../../src/preprocess/video-from-config.js';
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
// scripts/fixtures/make-videos.sh: photo-chelsea at 1.000-2.000 s decides (the worst frame),
// photo-coffee at 3.000-4.000 s is a NON-deciding frame; the coffee frame as a JPEG still.
const CLIP = 'clip-two-photos.mp4';
const COFFEE_FRAME = 'clip-two-photos-coffee-frame.jpg';
const COFFEE = 'photo-coffee.jpg';
const VIDEO_SIGNALS =
  'image.safety=image-safety@1,text.spam=text-spam@1,video.safety=image-safety@1,video.embedding=image-safety@1';
const IMAGE_SIGNALS =
  'image.safety=image-safety@1,text.spam=text-spam@1,image.embedding=image-safety@1,image.near_duplicate=image-safety@1';
const inChelsea = (ms: number | null | undefined) => ms != null && ms >= 1000 && ms < 2000;
const inCoffee = (ms: number | null | undefined) => ms != null && ms >= 3000 && ms < 4000;

describe('worker: every sampled video frame in the near-duplicate index (real Kafka, registry, Redis)', () => {
  const admin = kafka.admin();
  let files: ImageServer;
  let blockVideos: string;
  let blockImages: string;

  beforeAll(async () => {
    await admin.connect();
    const coffee = await readFile(join(FIXTURE_IMAGES_DIR, COFFEE));
    files = await startImageServer({ fixturesDir: VIDEOS_DIR, files: { [COFFEE]: coffee } });
    // Policies under which image-safety@1 BLOCKs every video, or every image: no fixture is unsafe.
    const policy = async (version: string, signal: string, file: string) => {
      const p = JSON.parse(await readFile('policy/policy-v1.json', 'utf8')) as {
        version: string;
        signals: Record<string, { block: Record<string, number> }>;
      };
      p.version = version;
      p.signals[signal]!.block = { Neutral: 0, Drawing: 0 };
      const path = join(await mkdtemp(join(tmpdir(), 'iw-video-frames-')), file);
      await writeFile(path, JSON.stringify(p));
      return path;
    };
    blockVideos = await policy('policy-v902', 'video.safety', 'policy-block-videos.json');
    blockImages = await policy('policy-v903', 'image.safety', 'policy-block-images.json');
  });
  afterAll(() => Promise.all([admin.disconnect(), files?.close()]));

  const videoPin = (pinId: string): PinCreated =>
    minimalPinCreated({
      pinId,
      title: 'A normal pin', // ALLOWed by the text model
      video: { url: files.url(`/images/${CLIP}`), signature: null, durationMs: null, mime: 'video/mp4' },
    });
  const imagePin = (pinId: string, path: string): PinCreated =>
    minimalPinCreated({
      pinId,
      title: 'A normal pin',
      image: { url: files.url(path), signature: null, width: null, height: null, mime: null },
    });

  it("(a) a BLOCKed video's every frame is indexed: an image re-pinned from a NON-deciding frame is flagged by image.near_duplicate naming the video", async () => {
    const topics = await createWorkerTopics(admin, 2);
    const labels = await labelCollector(topics.labels);
    const embeddings = await embeddingCollector(topics.embeddings);
    const clipBytes = await readFile(join(VIDEOS_DIR, CLIP));
    // The worker's own sampler (same defaults): how many frames the video has.
    const sampled = (await frameSamplerFromConfig(loadConfig({})).sample(clipBytes)).frames.length;
    try {
      await producePins(topics.pins, [videoPin('video')]);
      const first = await startTestWorker(topics, {
        SIGNALS: VIDEO_SIGNALS,
        POLICY_FILE: blockVideos,
        VIDEO_DECODE_TIMEOUT_MS: '60000',
      });
      try {
        await labels.waitFor(1, 120_000);
        await embeddings.waitFor(sampled, 30_000);
      } finally {
        await first.worker.stop();
      }
      const videoLabel = labels.records.find((r) => r.key === 'video')!.record;
      expect(videoLabel.decision).toBe('BLOCK');
      const deciding = videoLabel.signals.find((s) => s.signal === 'video.safety')!.frameTimestampMs;
      expect(inChelsea(deciding)).toBe(true);
      // One record per sampled frame, all under the video's key with its decision, each naming its frame.
      const frames = embeddings.records.map((r) => r.record);
      expect(frames.length).toBe(sampled);
      expect(sampled).toBeGreaterThan(2);
      expect(frames.map((r) => r.frame!.index)).toEqual(frames.map((_, i) => i));
      for (const r of frames) {
        expect(r).toMatchObject({
          pinId: 'video',
          contentKey: sha256Key(clipBytes),
          signal: 'video.embedding',
          dimension: 1280,
          decision: 'BLOCK',
        });
      }
      expect(frames.some((r) => inCoffee(r.frame!.timestampMs))).toBe(true);

      const second = await startTestWorker(topics, { SIGNALS: IMAGE_SIGNALS });
      try {
        await producePins(topics.pins, [imagePin('coffee-frame', `/images/${COFFEE_FRAME}`)]);
        await labels.waitFor(2, 90_000);
      } finally {
        await second.worker.stop();
      }
      const label = labels.records.find((r) => r.key === 'coffee-frame')!.record;
      expect(label.signals.find((s) => s.signal === 'image.safety')).toMatchObject({ decision: 'ALLOW' });
      const nearDuplicate = label.signals.find((s) => s.signal === 'image.near_duplicate')!;
      expect(nearDuplicate).toMatchObject({
        decision: 'REVIEW',
        nearDuplicate: { contentKey: sha256Key(clipBytes), pinId: 'video', decision: 'BLOCK' },
      });
      expect(nearDuplicate.nearDuplicate!.distance).toBeLessThanOrEqual(0.1426);
      // The frame that matched is the coffee frame, not the one that decided the video.
      expect(inCoffee(nearDuplicate.nearDuplicate!.frameTimestampMs)).toBe(true);
    } finally {
      await Promise.all([labels.stop(), embeddings.stop()]);
    }
  }, 300_000);

  it('(b) a BLOCKed image spliced (re-encoded) among other frames of a video flags the video by video.near_duplicate, naming its matching frame', async () => {
    const topics = await createWorkerTopics(admin, 2);
    const labels = await labelCollector(topics.labels);
    const embeddings = await embeddingCollector(topics.embeddings);
    const coffeeBytes = await readFile(join(FIXTURE_IMAGES_DIR, COFFEE));
    try {
      await producePins(topics.pins, [imagePin('image', `/images/${COFFEE}`)]);
      const first = await startTestWorker(topics, { SIGNALS: IMAGE_SIGNALS, POLICY_FILE: blockImages });
      try {
        await embeddings.waitFor(1, 90_000);
      } finally {
        await first.worker.stop();
      }
      expect(labels.records.map((r) => [r.key, r.record.decision])).toEqual([['image', 'BLOCK']]);

      const second = await startTestWorker(topics, {
        SIGNALS: `${VIDEO_SIGNALS},video.near_duplicate=image-safety@1`,
        VIDEO_DECODE_TIMEOUT_MS: '60000',
      });
      try {
        await producePins(topics.pins, [videoPin('video')]);
        await labels.waitFor(2, 120_000);
      } finally {
        await second.worker.stop();
      }
      const label = labels.records.find((r) => r.key === 'video')!.record;
      const safety = label.signals.find((s) => s.signal === 'video.safety')!;
      expect(safety.decision).toBe('ALLOW');
      expect(inChelsea(safety.frameTimestampMs)).toBe(true);
      const nearDuplicate = label.signals.find((s) => s.signal === 'video.near_duplicate')!;
      // The policy file has no rule for it: the plug-in's default inherits BLOCK as REVIEW.
      expect(nearDuplicate).toMatchObject({
        decision: 'REVIEW',
        nearDuplicate: {
          contentKey: sha256Key(coffeeBytes),
          pinId: 'image',
          decision: 'BLOCK',
          frameTimestampMs: null,
        },
      });
      expect(nearDuplicate.nearDuplicate!.distance).toBeLessThanOrEqual(0.1426);
      expect(inCoffee(nearDuplicate.frameTimestampMs)).toBe(true);
      expect(label.decision).toBe('REVIEW');
    } finally {
      await Promise.all([labels.stop(), embeddings.stop()]);
    }
  }, 300_000);
});
