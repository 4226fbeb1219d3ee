import sharp from 'sharp';
import { IntegrityError } from '../errors.js';

/** A greyscale image, one byte per pixel, row-major (what ORB reads). */
export interface GreyImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * The image ORB verification sees: EXIF orientation applied, transparency flattened onto white,
 * resized to `longerSidePx` on the longer side (up or down), greyscale. The evaluation
 * (`scripts/neighbours/orb-verification.ts`) and the worker extract features from this same image.
 * IW_IMAGE_DECODE for bytes sharp cannot read, IW_IMAGE_TOO_LARGE beyond `maxPixels`.
 */
export async function orbGrey(
  bytes: Uint8Array,
  longerSidePx: number,
  maxPixels = 268_402_689,
): Promise<GreyImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels })
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize(longerSidePx, longerSidePx, { fit: 'inside' })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
      width: info.width,
      height: info.height,
    };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new IntegrityError(
      /pixel limit/i.test(message) ? 'IW_IMAGE_TOO_LARGE' : 'IW_IMAGE_DECODE',
      message,
      {
        cause,
      },
    );
  }
}
