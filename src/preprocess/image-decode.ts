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
  /**
   * Shrink-on-load (`IMAGE_DECODE_SHRINK`): the smallest decoded size the model needs (2 x its
   * input). A large JPEG or WebP is then decoded straight to about this size (see
   * {@link shrinkOnLoadSize}); without it, or for other formats and smaller images, full size.
   */
  readonly shrinkTo?: { readonly width: number; readonly height: number };
}

/**
 * Shrink-on-load's bound: 2 x the 224 x 224 input of the image models in models/ (image-safety@1,
 * @2), so the tfjs bilinear resize to 224 still reads at least two source pixels per output pixel.
 * One bound for the decode and the decoded-image gate's accounting (the gate exists before models
 * load); a model with a larger input would need its own (BatchedImageScorer refuses one).
 */
export const SHRINK_TO = { width: 448, height: 448 } as const;

/** Formats whose decoders scale while decoding: libjpeg's DCT scaling, libwebp's scaled decode. */
const SHRINKABLE = new Set(['jpeg', 'webp']);

/**
 * How shrink-on-load decodes a `format` image of `width` x `height` (the header's, before EXIF
 * orientation; `orientation` is the EXIF tag): the decoded size, or undefined for a full-size decode.
 *
 * It shrinks a JPEG or WebP whose oriented sides are both at least 3 x `min` (1,344 px for a 224
 * model) to the size whose shorter side (relative to `min`) is exactly `min`, like sharp's
 * `resize(min, {fit: 'outside'})`. libvips then reloads a JPEG with libjpeg DCT scaling by the
 * largest factor s in {2, 4, 8} with sides >= (s + 1) x `min` (sharp keeps one factor of margin
 * because libjpeg rounds scaled sizes up) and reduces the rest (< 2.25 x) with lanczos3; a WebP is
 * decoded by libwebp straight at the scale. Below 3 x there is no DCT factor to gain: full size.
 */
export function shrinkOnLoadSize(
  format: string | undefined,
  width: number,
  height: number,
  orientation: number | undefined,
  min: { readonly width: number; readonly height: number },
): { width: number; height: number } | undefined {
  if (!format || !SHRINKABLE.has(format) || width <= 0 || height <= 0) return undefined;
  const [w, h] = (orientation ?? 1) >= 5 ? [height, width] : [width, height];
  if (w < 3 * min.width || h < 3 * min.height) return undefined;
  const shrink = Math.min(w / min.width, h / min.height);
  return { width: Math.max(1, Math.round(w / shrink)), height: Math.max(1, Math.round(h / shrink)) };
}

/** Formats the worker decodes; anything else (SVG, PDF, raw...) is refused as unsupported. */
const DECODABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);

/**
 * Decodes image bytes to full-size (or, with `shrinkTo`, shrunk-on-load) 8-bit sRGB RGB the way a browser shows them: EXIF orientation
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
  const shrunk =
    options.shrinkTo && shrinkOnLoadSize(meta.format, width, height, meta.orientation, options.shrinkTo);
  try {
    let pipeline = sharp(bytes, { limitInputPixels: options.maxPixels, failOn: 'warning', pages: 1 });
    // sharp orients after the resize (target sides swapped for 90/270), so the load still shrinks.
    if (shrunk) pipeline = pipeline.resize({ ...options.shrinkTo, fit: 'outside', fastShrinkOnLoad: true });
    const { data, info } = await pipeline
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
