import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run, type ClassifyReport } from '../../../src/cli/classify-command.js';
import { lineVideos } from '../../../src/cli/classify-media.js';
import { parsePinLine } from '../../../src/cli/classify-input.js';
import { contentOf } from '../../../src/content/content.js';
import { isIntegrityError } from '../../../src/errors.js';
import { startImageServer, type ImageServer } from '../../support/image-server.js';

const VIDEOS = 'test/fixtures/videos';
const VIDEOS_DIR = fileURLToPath(new URL('../../fixtures/videos/', import.meta.url));
// policy-v5 (the default POLICY_FILE) has a video.safety rule and a rule for text-spam@4.
const WITH_VIDEO = 'image.safety=image-safety@1,text.spam=text-spam@4,video.safety=image-safety@1';
const WITHOUT_VIDEO = 'image.safety=image-safety@1,text.spam=text-spam@4';

let videos: ImageServer;
let dir: string;
beforeAll(async () => {
  videos = await startImageServer({ fixturesDir: VIDEOS_DIR });
  dir = await mkdtemp(join(tmpdir(), 'iw-classify-video-'));
});
afterAll(async () => {
  await videos.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

type Line = { line: number; id?: string } & Partial<ClassifyReport> & {
    error?: { code: string; message: string };
  };

/** Runs `classify --input` on `pins` (one object a line): its exit code, result lines and stderr. */
async function classifyInput(pins: object[]): Promise<{ code: number; lines: Line[]; stderr: string }> {
  const file = join(dir, `pins-${Math.random().toString(36).slice(2)}.jsonl`);
  await writeFile(file, pins.map((p) => JSON.stringify(p)).join('\n'));
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  let code: number;
  try {
    code = await run(['--input', file]);
  } finally {
    vi.restoreAllMocks();
  }
  const lines = out
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
  return { code, lines, stderr: err.join('') };
}

describe('classify --input: a line with a video', () => {
  it('parses `video` (a file path or URL) as content of its own', () => {
    expect(parsePinLine('{"id":"v","video":"clip.mp4"}')).toEqual({ id: 'v', video: 'clip.mp4' });
    for (const bad of ['{"video":""}', '{"video":5}', '{"video":null}']) {
      let code: string | undefined;
      try {
        parsePinLine(bad);
      } catch (error) {
        code = isIntegrityError(error) ? error.code : 'other';
      }
      expect({ bad, code }).toEqual({ bad, code: 'IW_INPUT_INVALID' });
    }
  });

  it('is scored by video.safety as the worker does: worst frame and its timestamp, from a file or a URL; bad videos get the worker codes', async () => {
    vi.stubEnv('SIGNALS', WITH_VIDEO);
    // Loopback only, as in the worker tests; the video fetcher's own byte cap (VIDEO_MAX_BYTES).
    vi.stubEnv('FETCH_ALLOW_PRIVATE', '127.0.0.1');
    vi.stubEnv('VIDEO_MAX_BYTES', '2000000');
    const { code, lines } = await classifyInput([
      { id: 'file', title: 'Our garden in spring', video: `${VIDEOS}/clip-spliced.mp4` },
      { id: 'url', video: videos.url('/images/clip-spliced.mp4') },
      { id: 'webm', video: `${VIDEOS}/clip-plain.webm` },
      { id: 'image', image: 'test/fixtures/images/photo-astronaut.jpg' },
      { id: 'truncated', video: `${VIDEOS}/bad-truncated.mp4` },
      { id: 'audio', video: videos.url('/images/bad-audio-only.m4a') },
      { id: 'container', video: videos.url('/images/bad-wrong-container.mp4') },
      { id: 'endless', video: videos.url('/endless/clip-plain.webm') },
      { id: 'private', video: 'http://10.0.0.1/a.mp4' },
      { id: 'missing', video: `${VIDEOS}/missing.mp4` },
    ]);
    expect(code).toBe(1);
    const byId = new Map(lines.map((l) => [l.id, l]));
    const file = byId.get('file')!.signals!;
    expect(Object.entries(file).map(([name, s]) => [name, s.reasonCode])).toEqual([
      ['image.safety', 'IW_CONTENT_ABSENT'],
      ['text.spam', undefined],
      ['video.safety', undefined],
    ]);
    const video = file['video.safety']!;
    expect(video).toMatchObject({ model: { name: 'image-safety', version: '1' }, rule: 'thresholds' });
    expect(Object.keys(video.scores!)).toEqual(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']);
    // The photo spliced in from 2.000 s to 3.000 s is the clip's worst frame.
    expect(video.frameTimestampMs).toBeGreaterThanOrEqual(2000);
    expect(video.frameTimestampMs).toBeLessThan(3000);
    // The same bytes downloaded by the video fetcher: the same frame and scores.
    expect(byId.get('url')!.signals!['video.safety']).toEqual(video);
    expect(byId.get('webm')!.signals!['video.safety']!.frameTimestampMs).toEqual(expect.any(Number));
    expect(byId.get('image')!.signals!['video.safety']).toMatchObject({
      decision: 'UNSCORED',
      reasonCode: 'IW_CONTENT_ABSENT',
    });
    expect(byId.get('image')!.signals!['image.safety']!.scores).not.toBeNull();
    expect(lines.filter((l) => l.error).map((l) => [l.id, l.error!.code])).toEqual([
      ['truncated', 'IW_VIDEO_DECODE'],
      ['audio', 'IW_VIDEO_NO_VIDEO_STREAM'],
      ['container', 'IW_VIDEO_UNSUPPORTED'],
      ['endless', 'IW_VIDEO_TOO_LARGE'],
      ['private', 'IW_FETCH_ADDRESS_REFUSED'],
      ['missing', 'IW_INPUT_INVALID'],
    ]);
    expect(videos.hits('/images/bad-wrong-container.mp4')).toBe(1);
  }, 120_000);

  it('is not scored when no declared signal reads videos (as in the worker), and says so once', async () => {
    vi.stubEnv('SIGNALS', WITHOUT_VIDEO);
    const { code, lines, stderr } = await classifyInput([
      { id: 'a', title: 'Our garden', video: `${VIDEOS}/clip-spliced.mp4` },
      { id: 'b', title: 'Our pond', video: `${VIDEOS}/bad-truncated.mp4` },
      { id: 'only', video: `${VIDEOS}/clip-spliced.mp4` },
    ]);
    expect(code).toBe(1);
    expect(lines.map((l) => [l.id, Object.keys(l.signals ?? {}), l.error?.code])).toEqual([
      ['a', ['image.safety', 'text.spam'], undefined],
      ['b', ['image.safety', 'text.spam'], undefined],
      ['only', [], 'IW_INPUT_INVALID'],
    ]);
    expect(stderr.match(/no declared signal reads videos/g)).toHaveLength(1);
  }, 60_000);
});

describe('lineVideos', () => {
  const reader = () => {
    const read: string[] = [];
    return {
      read,
      media: { video: async (s: string) => (read.push(s), contentOf('video', Buffer.from(s))) },
    };
  };

  it('reads a line video only when a declared signal reads videos', async () => {
    const { read, media } = reader();
    const told: string[] = [];
    const stderr = { write: (s: string) => told.push(s) > 0 };
    const on = lineVideos(true, media, stderr);
    expect((await on({ video: 'a.mp4' }))?.kind).toBe('video');
    expect(await on({ title: 't' })).toBeNull();
    const off = lineVideos(false, media, stderr);
    expect(await off({ title: 't', video: 'b.mp4' })).toBeNull();
    expect(await off({ image: 'x.jpg', video: 'c.mp4' })).toBeNull();
    await expect(off({ video: 'd.mp4' })).rejects.toMatchObject({ code: 'IW_INPUT_INVALID' });
    expect(read).toEqual(['a.mp4']);
    expect(told).toHaveLength(1);
  });
});

describe('classify --video', () => {
  it('scores one pin with an image and a video URL (video.safety declared for the run)', async () => {
    vi.stubEnv('FETCH_ALLOW_PRIVATE', '127.0.0.1');
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const code = await run([
      'test/fixtures/images/photo-astronaut.jpg',
      '--video',
      videos.url('/images/clip-spliced.mp4'),
      '--json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n')) as ClassifyReport;
    expect(report.signals['image.safety']!.scores).not.toBeNull();
    expect(report.signals['video.safety']!.frameTimestampMs).toBeGreaterThanOrEqual(2000);
    expect(report.signals['video.safety']!.frameTimestampMs).toBeLessThan(3000);
    await expect(run(['--video', `${VIDEOS}/missing.mp4`])).rejects.toMatchObject({
      code: 'IW_INPUT_INVALID',
    });
    await expect(run(['--video', `${VIDEOS}/bad-zero-frames.mp4`])).rejects.toMatchObject({
      code: 'IW_VIDEO_EMPTY',
    });
    await expect(
      run([`${VIDEOS}/clip-plain.webm`, '--video', `${VIDEOS}/clip-plain.webm`]),
    ).rejects.toMatchObject({ code: 'IW_INPUT_INVALID' });
    await expect(run(['--input', 'x.jsonl', '--video', 'a.mp4'])).rejects.toMatchObject({
      code: 'IW_INPUT_INVALID',
    });
  }, 60_000);
});
