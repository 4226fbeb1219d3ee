import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/errors.js';
import { sniffVideoType } from '../../../src/preprocess/sniff-video-type.js';
import { FfmpegFrameSampler, type VideoFrameOptions } from '../../../src/preprocess/video-frames.js';

/** Real ffmpeg runs: generous for a shared machine (no test asserts time). */
const T = 60_000;
const VIDEOS = fileURLToPath(new URL('../../fixtures/videos/', import.meta.url));
const video = (name: string) => readFile(join(VIDEOS, name));

const OPTIONS: VideoFrameOptions = {
  ffmpegPath: 'ffmpeg',
  ffprobePath: 'ffprobe',
  maxFrames: 16,
  maxProbeSeconds: 600,
  timeoutMs: 60_000,
  maxPixels: 50_000_000,
};

async function codeOf(work: Promise<unknown>): Promise<string | undefined> {
  try {
    await work;
  } catch (error) {
    return isIntegrityError(error) ? error.code : `not an IntegrityError: ${String(error)}`;
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('video frames (ffmpeg in a child process)', () => {
  const sampler = new FfmpegFrameSampler(OPTIONS);

  it(
    'samples the first frame, a uniform sample and the scene change into the spliced photo',
    async () => {
      const sampled = await sampler.sample(await video('clip-spliced.mp4'));
      const times = sampled.frames.map((f) => f.timestampMs);
      expect(sampled).toMatchObject({ width: 450, height: 300, durationMs: 5000 });
      expect(times[0]).toBe(0);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times.length).toBeGreaterThanOrEqual(8);
      expect(times.length).toBeLessThanOrEqual(16);
      // The photo is shown from 2.000 s to 3.000 s: at least one sampled frame is one of its frames.
      expect(times.some((t) => t >= 2000 && t < 3000)).toBe(true);
      // Frames are PNGs, at most 448 pixels on a side.
      for (const frame of sampled.frames) expect(frame.png.subarray(1, 4).toString()).toBe('PNG');
    },
    T,
  );

  it(
    'reads WebM (Matroska) too',
    async () => {
      const sampled = await sampler.sample(await video('clip-plain.webm'));
      expect(sampled.frames.length).toBeGreaterThanOrEqual(1);
      expect(sampled).toMatchObject({ width: 160, height: 120 });
    },
    T,
  );

  it(
    'caps frames and reads at most maxProbeSeconds of a long video',
    async () => {
      const capped = new FfmpegFrameSampler({ ...OPTIONS, maxFrames: 6, maxProbeSeconds: 120 });
      const sampled = await capped.sample(await video('clip-long.mp4'));
      expect(sampled.durationMs).toBe(1_200_000);
      expect(sampled.frames.length).toBeLessThanOrEqual(6);
      expect(sampled.frames.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...sampled.frames.map((f) => f.timestampMs))).toBeLessThan(120_000);
    },
    T,
  );

  it.each([
    ['bad-truncated.mp4', 'IW_VIDEO_DECODE'],
    ['bad-no-index.mp4', 'IW_VIDEO_DECODE'],
    ['bad-wrong-container.mp4', 'IW_VIDEO_UNSUPPORTED'],
    ['bad-audio-only.m4a', 'IW_VIDEO_NO_VIDEO_STREAM'],
    ['bad-zero-frames.mp4', 'IW_VIDEO_EMPTY'],
    ['bad-huge-8192x8192.mov', 'IW_VIDEO_TOO_LARGE'],
  ])(
    '%s: %s',
    async (name, code) => {
      expect(await codeOf(sampler.sample(await video(name)))).toBe(code);
    },
    T,
  );

  it(
    'refuses empty bytes and images as unsupported containers',
    async () => {
      expect(await codeOf(sampler.sample(Buffer.alloc(0)))).toBe('IW_VIDEO_UNSUPPORTED');
      const photo = await readFile(
        fileURLToPath(new URL('../../fixtures/images/photo-coffee.jpg', import.meta.url)),
      );
      expect(await codeOf(sampler.sample(photo))).toBe('IW_VIDEO_UNSUPPORTED');
    },
    T,
  );

  it(
    'refuses frames above the pixel cap from the header',
    async () => {
      const small = new FfmpegFrameSampler({ ...OPTIONS, maxPixels: 450 * 300 - 1 });
      expect(await codeOf(small.sample(await video('clip-spliced.mp4')))).toBe('IW_VIDEO_TOO_LARGE');
    },
    T,
  );

  describe('a decoder that never ends', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'iw-never-ends-'));
      // A stand-in for ffmpeg that records its pid and never exits (ffprobe stays the real one).
      await writeFile(join(dir, 'ffmpeg'), `#!/bin/sh\necho $$ > "${dir}/pid"\nexec sleep 3600\n`);
      await chmod(join(dir, 'ffmpeg'), 0o755);
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it(
      'is killed at the deadline: IW_VIDEO_TIMEOUT, and no process is left',
      async () => {
        const stuck = new FfmpegFrameSampler({
          ...OPTIONS,
          ffmpegPath: join(dir, 'ffmpeg'),
          timeoutMs: 1500,
        });
        expect(await codeOf(stuck.sample(await video('clip-spliced.mp4')))).toBe('IW_VIDEO_TIMEOUT');
        const pid = Number(await readFile(join(dir, 'pid'), 'utf8'));
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(alive(pid)).toBe(false);
      },
      T,
    );

    it(
      'the real ffprobe and ffmpeg past the deadline are killed the same way',
      async () => {
        const hurried = new FfmpegFrameSampler({ ...OPTIONS, timeoutMs: 1 });
        expect(await codeOf(hurried.sample(await video('clip-long.mp4')))).toBe('IW_VIDEO_TIMEOUT');
      },
      T,
    );
  });

  it(
    'a missing ffmpeg is IW_VIDEO_TOOL_MISSING',
    async () => {
      const missing = new FfmpegFrameSampler({ ...OPTIONS, ffprobePath: '/nonexistent/ffprobe' });
      expect(await codeOf(missing.sample(await video('clip-spliced.mp4')))).toBe('IW_VIDEO_TOOL_MISSING');
    },
    T,
  );
});

describe('sniffVideoType', () => {
  it(
    'knows MP4, QuickTime and WebM by their first bytes, and nothing else',
    async () => {
      expect(sniffVideoType(await video('clip-spliced.mp4'))).toBe('video/mp4');
      expect(sniffVideoType(await video('clip-plain.webm'))).toBe('video/webm');
      expect(sniffVideoType(await video('bad-huge-8192x8192.mov'))).toBe('video/quicktime');
      expect(sniffVideoType(await video('bad-wrong-container.mp4'))).toBeUndefined();
      expect(sniffVideoType(Buffer.from('not a video at all'))).toBeUndefined();
      // An AVIF image is an ISO-BMFF file too, but an image.
      const avif = Buffer.from('\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf', 'latin1');
      expect(sniffVideoType(avif)).toBeUndefined();
    },
    T,
  );
});
