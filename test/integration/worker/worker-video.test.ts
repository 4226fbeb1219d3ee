import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { minimalPinCreated } from '../../support/records.js';
import { startImageServer, type ImageServer } from '../../support/image-server.js';
import {
  createWorkerTopics,
  labelCollector,
  producePins,
  scrape,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const bed = useWorkerTestBed();
const { admin } = bed;
const VIDEOS_DIR = fileURLToPath(new URL('../../fixtures/videos/', import.meta.url));
let videos: ImageServer;
beforeAll(async () => {
  videos = await startImageServer({ fixturesDir: VIDEOS_DIR });
});
afterAll(() => videos.close());

// The test bed's policy (workerEnv) is policy-v1, whose text rule is for text-spam@1.
const SIGNALS = 'image.safety=image-safety@1,text.spam=text-spam@1,video.safety=image-safety@1';

const videoPin = (pinId: string, path: string, title: string | null = null): PinCreated =>
  minimalPinCreated({
    pinId,
    title,
    video: {
      url: path.startsWith('http') ? path : videos.url(path),
      signature: null,
      durationMs: null,
      mime: 'video/mp4',
    },
  });

describe('worker: video pins', () => {
  it('labels a video pin with video.safety (the worst frame and its timestamp), bad videos UNSCORED with their codes, and never stalls', async () => {
    const topics = await createWorkerTopics(admin, 2);
    const bad: Record<string, [string, string]> = {
      'vid-truncated': ['/images/bad-truncated.mp4', 'IW_VIDEO_DECODE'],
      'vid-no-index': ['/images/bad-no-index.mp4', 'IW_VIDEO_DECODE'],
      'vid-wrong-container': ['/images/bad-wrong-container.mp4', 'IW_VIDEO_UNSUPPORTED'],
      'vid-audio-only': ['/images/bad-audio-only.m4a', 'IW_VIDEO_NO_VIDEO_STREAM'],
      'vid-zero-frames': ['/images/bad-zero-frames.mp4', 'IW_VIDEO_EMPTY'],
      'vid-huge': ['/images/bad-huge-8192x8192.mov', 'IW_VIDEO_TOO_LARGE'],
      // A body that never ends: the byte cap stops it.
      'vid-endless': ['/endless/clip-plain.webm', 'IW_VIDEO_TOO_LARGE'],
      // Refused addresses are refused for videos as for images, before any connection.
      'vid-private': ['http://10.0.0.1/a.mp4', 'IW_FETCH_ADDRESS_REFUSED'],
      'vid-metadata': ['http://169.254.169.254/latest/meta-data/', 'IW_FETCH_ADDRESS_REFUSED'],
    };
    const photo = minimalPinCreated({
      pinId: 'img-photo',
      title: 'A normal pin',
      image: {
        url: bed.images.url('/images/photo-coffee.jpg'),
        signature: null,
        width: null,
        height: null,
        mime: null,
      },
    });
    await producePins(topics.pins, [
      videoPin('vid-spliced', '/images/clip-spliced.mp4', 'Our garden in spring'),
      videoPin('vid-webm', '/images/clip-plain.webm'),
      ...Object.entries(bad).map(([key, [path]]) => videoPin(key, path)),
      photo,
    ]);
    const labels = await labelCollector(topics.labels);
    const { worker, guard } = await startTestWorker(topics, {
      SIGNALS,
      RETRY_MAX_ATTEMPTS: '2',
      RETRY_BASE_DELAY_MS: '10',
      RETRY_BUDGET_MS: '60000',
      VIDEO_MAX_BYTES: '2000000',
      VIDEO_DECODE_TIMEOUT_MS: '60000',
    });
    try {
      const expected = 3 + Object.keys(bad).length;
      await labels.waitFor(expected, 120_000);
      const byPin = new Map(labels.records.map((r) => [r.key, r.record]));
      const video = (pinId: string) => byPin.get(pinId)?.signals.find((s) => s.signal === 'video.safety');

      const spliced = video('vid-spliced')!;
      expect(spliced).toMatchObject({ reasonCode: null, rule: 'thresholds', cached: false });
      expect(Object.keys(spliced.scores).sort()).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
      expect(spliced.contentKey).toMatch(/^sha256:[0-9a-f]{64}$/);
      // The spliced photo (2.000-3.000 s) is the worst frame of the clip: its frame decided.
      expect(spliced.frameTimestampMs).toBeGreaterThanOrEqual(2000);
      expect(spliced.frameTimestampMs).toBeLessThan(3000);
      // The other signals of a video pin: no image (ignored), its text scored.
      const splicedLabel = byPin.get('vid-spliced')!;
      expect(splicedLabel.signals.map((s) => [s.signal, s.reasonCode])).toEqual([
        ['image.safety', 'IW_CONTENT_ABSENT'],
        ['text.spam', null],
        ['video.safety', null],
      ]);
      expect(video('vid-webm')).toMatchObject({ reasonCode: null, frameTimestampMs: expect.any(Number) });

      for (const [key, [, code]] of Object.entries(bad)) {
        expect({ key, ...pick(video(key)) }).toEqual({
          key,
          reasonCode: code,
          decision: 'REVIEW',
          rule: 'unscored.default',
          frameTimestampMs: null,
        });
        expect(byPin.get(key)!.decision).toBe('REVIEW');
      }
      // The image pin among them is labeled as ever, with video.safety absent (ignored).
      expect(byPin.get('img-photo')!.signals.map((s) => [s.signal, s.reasonCode])).toEqual([
        ['image.safety', null],
        ['text.spam', null],
        ['video.safety', 'IW_CONTENT_ABSENT'],
      ]);
      expect(guard.violations).toEqual([]);
      expect(guard.attempts.every((host) => host === '127.0.0.1')).toBe(true);

      // A re-pin of the same video (another URL, same bytes): downloaded, never decoded again.
      const preprocessed = await scrape(worker, 'iw_stage_duration_count', { stage: 'preprocess' });
      await producePins(topics.pins, [videoPin('vid-repin', '/typed/video%2Fmp4/clip-spliced.mp4')]);
      await labels.waitFor(expected + 1, 60_000);
      const repin = labels.records.find((r) => r.key === 'vid-repin')!.record;
      const again = repin.signals.find((s) => s.signal === 'video.safety')!;
      expect(again).toMatchObject({
        cached: true,
        contentKey: spliced.contentKey,
        frameTimestampMs: spliced.frameTimestampMs,
        scores: spliced.scores,
      });
      expect(await scrape(worker, 'iw_stage_duration_count', { stage: 'preprocess' })).toBe(preprocessed);
    } finally {
      await worker.stop();
      await labels.stop();
    }
  }, 240_000);
});

function pick(
  signal:
    | { reasonCode: string | null; decision: string; rule: string | null; frameTimestampMs: number | null }
    | undefined,
) {
  return (
    signal && {
      reasonCode: signal.reasonCode,
      decision: signal.decision,
      rule: signal.rule,
      frameTimestampMs: signal.frameTimestampMs,
    }
  );
}
