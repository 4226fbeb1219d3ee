import sharp from 'sharp';
import { IntegrityError } from '../errors.js';

/** Interleaved 8-bit sRGB pixels, row-major, 3 bytes per pixel, EXIF orientation applied. */
export interface DecodedImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface ImageDecodeOptions {
  /** Refuse images whose header claims more than this many pixels (width x height), before decoding. */
  readonly maxPixels: number;
}

/** Formats the worker decodes; anything else (SVG, PDF, raw...) is refused as unsupported. */
const DECODABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);

/**
 * Decodes image bytes to full-size 8-bit sRGB RGB the way a browser shows them: EXIF orientation
 * applied, transparency flattened onto white, grayscale / CMYK / 16-bit converted, the first frame of
 * an animation. The pixel cap is checked on the header first, so a small file that claims a huge
 * canvas is refused without allocating it.
 *
 * Throws IntegrityError: `IW_IMAGE_UNSUPPORTED` (not an image, or a format outside the list),
 * `IW_IMAGE_TOO_LARGE` (more pixels than `maxPixels`), `IW_IMAGE_DECODE` (a supported format whose
 * data is broken, including truncated files: a partial picture is not scored).
 */
export async function decodeImage(bytes: Uint8Array, options: ImageDecodeOptions): Promise<DecodedImage> {
  if (bytes.length === 0) throw new IntegrityError('IW_IMAGE_UNSUPPORTED', 'empty image');
  let meta: sharp.Metadata;
  try {
    // Header only; the real cap is ours below, sharp's default cap would reject before we can say why.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw classify(error);
  }
  if (!meta.format || !DECODABLE.has(meta.format)) {
    throw new IntegrityError('IW_IMAGE_UNSUPPORTED', `image format ${String(meta.format)} is not supported`, {
      details: { format: meta.format },
    });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > options.maxPixels) {
    throw new IntegrityError('IW_IMAGE_TOO_LARGE', `image has ${width}x${height} pixels`, {
      details: { width, height, maxPixels: options.maxPixels },
    });
  }
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: options.maxPixels,
      failOn: 'warning',
      pages: 1,
    })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    throw classify(error);
  }
}

function classify(error: unknown): IntegrityError {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message))
    return new IntegrityError('IW_IMAGE_UNSUPPORTED', message, { cause: error });
  if (/pixel limit/i.test(message))
    return new IntegrityError('IW_IMAGE_TOO_LARGE', message, { cause: error });
  return new IntegrityError('IW_IMAGE_DECODE', message, { cause: error });
}
