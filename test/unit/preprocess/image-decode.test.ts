import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/errors.js';
import { decodeImage, type DecodedImage } from '../../../src/preprocess/image-decode.js';
import { fixture, photoNames } from './fixtures.js';

const options = { maxPixels: 50_000_000 };
const pixel = (img: DecodedImage, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (isIntegrityError(error) ? error.code : `not an IntegrityError: ${String(error)}`),
  );
const meanAbsDiff = (a: Uint8Array, b: Uint8Array) =>
  a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

describe('decodeImage', () => {
  it.each(photoNames())('decodes %s to full-size 8-bit RGB', async (name) => {
    const meta = await sharp(fixture(name)).metadata();
    const img = await decodeImage(fixture(name), options);
    expect([img.width, img.height]).toEqual([meta.width, meta.height]);
    expect(img.data.length).toBe(img.width * img.height * 3);
  });

  it('gives equal channels for a grayscale image', async () => {
    const img = await decodeImage(fixture('photo-camera.png'), options);
    for (let i = 0; i < img.data.length; i += 3 * 997)
      expect(new Set(img.data.subarray(i, i + 3)).size).toBe(1);
  });

  it('flattens transparency onto white', async () => {
    const img = await decodeImage(fixture('odd-alpha.png'), options);
    expect(pixel(img, 0, 0)).toEqual([255, 255, 255]);
    expect(pixel(img, 100, 100)).toEqual([31, 119, 180]); // the opaque blue circle
  });

  it('applies EXIF orientation', async () => {
    const img = await decodeImage(fixture('odd-exif-rotated.jpg'), options);
    expect([img.width, img.height]).toEqual([32, 64]);
    const [r, , b] = pixel(img, 16, 8);
    expect(r! > 200 && b! < 60).toBe(true);
    const [r2, , b2] = pixel(img, 16, 56);
    expect(b2! > 200 && r2! < 60).toBe(true);
  });

  it('keeps the first frame of an animated GIF', async () => {
    const img = await decodeImage(fixture('odd-animated.gif'), options);
    expect([img.width, img.height]).toEqual([32, 32]);
    expect(pixel(img, 16, 16)).toEqual([255, 0, 0]);
  });

  it('converts 16-bit, CMYK and WebP to the same picture as the 8-bit PNG', async () => {
    const reference = await decodeImage(fixture('drawing-house.png'), options);
    for (const [name, tolerance] of [
      ['odd-16bit.png', 0.5],
      ['odd-webp.webp', 6],
      ['odd-cmyk.jpg', 12],
    ] as const) {
      const img = await decodeImage(fixture(name), options);
      expect([img.width, img.height]).toEqual([reference.width, reference.height]);
      expect(meanAbsDiff(img.data, reference.data)).toBeLessThan(tolerance);
    }
  });

  it('refuses a huge canvas from its header, before decoding', async () => {
    expect(await codeOf(decodeImage(fixture('odd-huge-20000x20000.png'), options))).toBe(
      'IW_IMAGE_TOO_LARGE',
    );
    expect(await codeOf(decodeImage(fixture('photo-china.jpg'), { maxPixels: 640 * 427 - 1 }))).toBe(
      'IW_IMAGE_TOO_LARGE',
    );
    await expect(decodeImage(fixture('photo-china.jpg'), { maxPixels: 640 * 427 })).resolves.toBeDefined();
  });

  it.each([
    ['bad-truncated.jpg', 'IW_IMAGE_DECODE'],
    ['bad-text.jpg', 'IW_IMAGE_UNSUPPORTED'],
    ['bad-empty.jpg', 'IW_IMAGE_UNSUPPORTED'],
    ['odd-drawing.svg', 'IW_IMAGE_UNSUPPORTED'],
  ])('refuses %s with %s', async (name, code) => {
    expect(await codeOf(decodeImage(fixture(name), options))).toBe(code);
  });
});
