/**
 * The hostile-input flood: pins whose images are as large as the caps allow (about IMAGE_MAX_PIXELS
 * pixels in at most FETCH_MAX_BYTES bytes), every one with different bytes so that neither the memo
 * nor the cache can answer, produced all at once. What it measures is the worker's peak RSS: with
 * the byte and pixel budgets it stays bounded; with them set out of the way (`budgets: off`, the
 * count-only bounds of before: MAX_IN_FLIGHT bodies and 2 x IMAGE_MAX_BATCH decodes) it does not.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { PinCreated } from '../../src/contracts/generated/pin-created.js';

export interface MaxImage {
  readonly width: number;
  readonly height: number;
  readonly bytes: Buffer;
  readonly quality: number;
}

/**
 * A JPEG of `floor(sqrt(maxPixels))` squared pixels (smooth noise: it does not compress away) at
 * the highest quality (step 5) that still fits in `maxBytes` less room for a per-variant comment.
 */
export async function makeMaxImage(maxPixels: number, maxBytes: number): Promise<MaxImage> {
  const side = Math.floor(Math.sqrt(maxPixels));
  const small = Math.min(side, 1200);
  const noise = Buffer.alloc(small * small * 3);
  let a = 1;
  for (let i = 0; i < noise.length; i++) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    noise[i] = a >>> 24;
  }
  for (let quality = 75; quality >= 5; quality -= 5) {
    const bytes = await sharp(noise, { raw: { width: small, height: small, channels: 3 } })
      .resize(side, side, { kernel: 'cubic' })
      .jpeg({ quality })
      .toBuffer();
    if (bytes.length <= maxBytes - 1024) return { width: side, height: side, bytes, quality };
  }
  throw new Error(`no JPEG of ${side}x${side} fits in ${maxBytes} bytes`);
}

/** The image with a JPEG comment (COM segment) naming `i` after its SOI: same pixels, other bytes. */
export function variantOf(image: Buffer, i: number): Buffer {
  const text = Buffer.from(`iw-bench-flood-${i}`);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xfffe, 0);
  header.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([image.subarray(0, 2), header, text, image.subarray(2)]);
}

export function floodPin(url: string, i: number): PinCreated {
  return {
    eventId: randomUUID(),
    pinId: `flood-${i}-${randomUUID()}`,
    userId: 'bench',
    createdAt: Date.now(),
    title: null,
    description: null,
    link: null,
    image: { url, signature: null, width: null, height: null, mime: null },
    locale: null,
    video: null,
  };
}

/** Worker settings that take the budgets out of the way: the count-only bounds of before. */
export const BUDGETS_OFF: Readonly<Record<string, string>> = {
  FETCH_BODY_BUDGET_BYTES: String(16 * 1024 * 1024 * 1024),
  IMAGE_DECODE_BUDGET_PIXELS: String(10_000_000_000),
  FETCH_MAX_CONNECTIONS_PER_HOST: '1024',
};
