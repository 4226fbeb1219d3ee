import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/errors.js';
import { DecodedImageGate } from '../../../src/preprocess/decoded-image-gate.js';
import {
  decodeImage,
  SHRINK_TO,
  shrinkOnLoadSize,
  type DecodedImage,
} from '../../../src/preprocess/image-decode.js';
import { fixture } from './fixtures.js';

// Multi-megapixel images are built and decoded: on a loaded machine that takes seconds.
const SLOW = 60_000;
const exact = { maxPixels: 50_000_000 };
const shrink = { maxPixels: 50_000_000, shrinkTo: SHRINK_TO };
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (isIntegrityError(error) ? error.code : `not an IntegrityError: ${String(error)}`),
  );
const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => {
  expect(a.length).toBe(b.length);
  return a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;
};
/** The full-size decode reduced by sharp from raw pixels (raw input cannot be shrunk on load). */
const reducedFromRaw = async (full: DecodedImage, width: number, height: number) =>
  new Uint8Array(
    await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } })
      .resize(width, height, { fit: 'fill' })
      .raw()
      .toBuffer(),
  );

/** Turns an image 90 degrees clockwise (EXIF orientation 6). */
const rotate90 = ({ data, width, height }: DecodedImage) => {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < width; y++)
    for (let x = 0; x < height; x++)
      for (let c = 0; c < 3; c++)
        out[(y * height + x) * 3 + c] = data[((height - 1 - x) * width + y) * 3 + c]!;
  return out;
};

/** A photo (the retina fixture) scaled up to `width` x `height`: large enough to shrink on load. */
const large = (width: number, height: number) =>
  sharp(fixture('photo-retina.jpg')).resize(width, height, { fit: 'fill', kernel: 'cubic' });

describe('shrinkOnLoadSize', () => {
  it.each([
    ['jpeg', 4000, 3000, 1, { width: 597, height: 448 }],
    ['jpeg', 1344, 1344, undefined, { width: 448, height: 448 }],
    ['webp', 2000, 1500, 1, { width: 597, height: 448 }],
    // EXIF 5-8 swap the sides: the shorter side is still 448 after orientation.
    ['jpeg', 4000, 1500, 6, { width: 448, height: 1195 }],
    ['jpeg', 1343, 4000, 1, undefined], // no DCT factor keeps both sides >= 448 with sharp's margin
    ['jpeg', 4000, 1343, 1, undefined],
    ['png', 4000, 3000, 1, undefined],
    ['gif', 4000, 3000, 1, undefined],
    ['tiff', 4000, 3000, 1, undefined],
    ['heif', 4000, 3000, 1, undefined],
    [undefined, 4000, 3000, 1, undefined],
  ] as const)('%s %ix%i (orientation %s): %o', (format, width, height, orientation, expected) => {
    expect(shrinkOnLoadSize(format, width, height, orientation, SHRINK_TO)).toEqual(expected);
  });
});

describe('decodeImage with shrink-on-load', () => {
  let jpeg: Buffer;
  let full: DecodedImage;
  beforeAll(async () => {
    jpeg = await large(4032, 3024).jpeg({ quality: 90 }).toBuffer();
    full = await decodeImage(jpeg, exact);
  }, SLOW);

  it(
    'decodes a large JPEG to the shrunk size, the same picture as the full decode',
    async () => {
      const img = await decodeImage(jpeg, shrink);
      expect([img.width, img.height]).toEqual([597, 448]);
      expect(img.data.length).toBe(597 * 448 * 3);
      expect(meanAbsDiff(img.data, await reducedFromRaw(full, 597, 448))).toBeLessThan(2);
    },
    SLOW,
  );

  it(
    'gets its pixels from the scaled JPEG decoder, not from a full-size decode',
    async () => {
      // The same pipeline on the same pixels as a PNG (no shrink-on-load there) equals sharp's reduce
      // of the full-size pixels exactly; the JPEG's differs, because libjpeg's DCT scaling made them.
      const asPng = await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } })
        .png({ compressionLevel: 1 })
        .toBuffer();
      const resized = { fit: 'outside', width: 448, height: 448 } as const;
      const pipeline = (bytes: Buffer) =>
        sharp(bytes)
          .resize({ ...resized, fastShrinkOnLoad: true })
          .raw()
          .toBuffer();
      const fromRaw = new Uint8Array(
        await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } })
          .resize(resized)
          .raw()
          .toBuffer(),
      );
      expect(meanAbsDiff(new Uint8Array(await pipeline(asPng)), fromRaw)).toBe(0);
      const shrunk = await decodeImage(jpeg, shrink);
      expect(meanAbsDiff(shrunk.data, new Uint8Array(await pipeline(jpeg)))).toBe(0);
      expect(meanAbsDiff(shrunk.data, fromRaw)).toBeGreaterThan(0.05);
    },
    SLOW,
  );

  it(
    'leaves small JPEGs, PNGs and the option off at full size',
    async () => {
      const png = await large(2000, 1500).png({ compressionLevel: 1 }).toBuffer();
      expect((await decodeImage(png, shrink)).width).toBe(2000);
      const retina = await decodeImage(fixture('photo-retina.jpg'), shrink); // 1411 px: 3 x 448 = 1344
      expect([retina.width, retina.height]).toEqual([448, 448]);
      const small = await decodeImage(fixture('photo-hubble.jpg'), shrink); // 1000 x 872: below 1344
      expect([small.width, small.height]).toEqual([1000, 872]);
      expect(full.width).toBe(4032);
    },
    SLOW,
  );

  it(
    'applies EXIF orientation to the shrunk image',
    async () => {
      const base = large(4032, 2016);
      const plain = await base.clone().jpeg({ quality: 90 }).toBuffer();
      const rotated = await base.clone().jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
      const upright = await decodeImage(rotated, exact);
      expect([upright.width, upright.height]).toEqual([2016, 4032]);
      const img = await decodeImage(rotated, shrink);
      expect([img.width, img.height]).toEqual([448, 896]);
      expect(meanAbsDiff(img.data, await reducedFromRaw(upright, 448, 896))).toBeLessThan(2);
      // Exactly the shrunk decode of the same JPEG without its orientation tag, turned 90 degrees.
      const sideways = await decodeImage(plain, shrink);
      expect([sideways.width, sideways.height]).toEqual([896, 448]);
      expect(meanAbsDiff(img.data, rotate90(sideways))).toBe(0);
    },
    SLOW,
  );

  it(
    'converts CMYK and grey JPEGs and flattens a transparent WebP onto white, shrunk',
    async () => {
      const cmyk = await large(2000, 1500).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer();
      const grey = await large(2000, 1500).greyscale().jpeg({ quality: 90 }).toBuffer();
      for (const bytes of [cmyk, grey]) {
        const [img, reference] = await Promise.all([decodeImage(bytes, shrink), decodeImage(bytes, exact)]);
        expect([img.width, img.height]).toEqual([597, 448]);
        expect(meanAbsDiff(img.data, await reducedFromRaw(reference, 597, 448))).toBeLessThan(2);
      }
      const greyImg = await decodeImage(grey, shrink);
      for (let i = 0; i < greyImg.data.length; i += 3 * 997)
        expect(new Set(greyImg.data.subarray(i, i + 3)).size).toBe(1);
      // Opaque photo in the middle, transparent border of 200 px: white after decoding.
      const photo = await large(1600, 1600).png().toBuffer();
      const webp = await sharp({
        create: { width: 2000, height: 2000, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
      })
        .composite([{ input: photo, left: 200, top: 200 }])
        .webp({ quality: 90 })
        .toBuffer();
      const img = await decodeImage(webp, shrink);
      expect([img.width, img.height]).toEqual([448, 448]);
      expect(Array.from(img.data.subarray(0, 3))).toEqual([255, 255, 255]);
      const reference = await decodeImage(webp, exact);
      expect(meanAbsDiff(img.data, await reducedFromRaw(reference, 448, 448))).toBeLessThan(2);
    },
    SLOW,
  );

  it(
    'checks the pixel cap on the header full size, and refuses a truncated JPEG',
    async () => {
      expect(await codeOf(decodeImage(jpeg, { ...shrink, maxPixels: 4032 * 3024 - 1 }))).toBe(
        'IW_IMAGE_TOO_LARGE',
      );
      expect(await codeOf(decodeImage(jpeg.subarray(0, jpeg.length >> 1), shrink))).toBe('IW_IMAGE_DECODE');
    },
    SLOW,
  );
});

describe('DecodedImageGate with shrink-on-load', () => {
  it(
    'accounts a shrunk image at its shrunk size',
    async () => {
      const jpeg = await large(4032, 3024).jpeg({ quality: 80 }).toBuffer();
      const png = await large(1500, 1500).png({ compressionLevel: 1 }).toBuffer();
      const inUse = async (gate: DecodedImageGate, bytes: Buffer) =>
        gate.run(bytes, async () => gate.pixelsInUse);
      const on = new DecodedImageGate({
        maxImages: 4,
        budgetPixels: 1e8,
        maxPixels: 5e7,
        shrinkTo: SHRINK_TO,
      });
      const off = new DecodedImageGate({ maxImages: 4, budgetPixels: 1e8, maxPixels: 5e7 });
      expect(await inUse(on, jpeg)).toBe(597 * 448);
      expect(await inUse(off, jpeg)).toBe(4032 * 3024);
      expect(await inUse(on, png)).toBe(1500 * 1500); // PNG: full size either way
      // The cap is still the header's: a refused image takes no pixels.
      const capped = new DecodedImageGate({
        maxImages: 4,
        budgetPixels: 1e8,
        maxPixels: 1e6,
        shrinkTo: SHRINK_TO,
      });
      expect(await inUse(capped, jpeg)).toBe(0);
    },
    SLOW,
  );
});
