/**
 * Video pins for the bench: `count` distinct copies of the spliced fixture clip (the same frames,
 * remuxed by ffmpeg with a different metadata comment, so each has bytes of its own and the score
 * cache misses), served by the local image server.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PinCreated } from '../../src/contracts/generated/pin-created.js';
import { pinText } from './pins.js';

const run = promisify(execFile);
const CLIP = fileURLToPath(new URL('../../test/fixtures/videos/clip-spliced.mp4', import.meta.url));

export async function makeVideoVariants(count: number): Promise<Record<string, Buffer>> {
  const dir = await mkdtemp(join(tmpdir(), 'iw-bench-videos-'));
  try {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < count; i++) {
      const out = join(dir, `video-${i}.mp4`);
      await run('ffmpeg', [
        ...['-nostdin', '-loglevel', 'error', '-y', '-i', CLIP, '-c', 'copy'],
        ...['-metadata', `comment=bench variant ${i}`, '-movflags', '+faststart', out],
      ]);
      files[`video-${i}.mp4`] = await readFile(out);
    }
    return files;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A pin with a video of the image server and a text of its own. */
export function videoPin(url: string, textIndex: number, createdAt = Date.now()): PinCreated {
  return {
    eventId: randomUUID(),
    pinId: `pin-${randomUUID()}`,
    userId: 'bench',
    createdAt,
    ...pinText(textIndex),
    image: null,
    locale: null,
    video: { url, signature: null, durationMs: 5000, mime: 'video/mp4' },
  };
}
