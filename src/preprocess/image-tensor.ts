import { IntegrityError } from '../errors.js';
import { normalizationTable, resizeBilinearAlignCorners } from './bilinear-resize.js';
import { decodeImage, type DecodedImage, type ImageDecodeOptions } from './image-decode.js';

/** The `preprocess` section of an image model's manifest. */
export interface ImagePreprocessSpec {
  readonly kind: 'image';
  readonly width: number;
  readonly height: number;
  /** Only the reference resize of nsfwjs is implemented: tfjs resizeBilinear, alignCorners = true. */
  readonly resize: 'bilinear-align-corners';
  readonly channels: 'RGB';
  /** Multiplies each 8-bit value before mean and std: 1/255 maps to [0, 1]. */
  readonly scale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** Floats one image occupies in an NHWC batch. */
export const imageTensorSize = (spec: ImagePreprocessSpec): number => spec.width * spec.height * 3;

const tables = new WeakMap<ImagePreprocessSpec, Float32Array>();

/**
 * Writes one decoded image as NHWC float32 into `out` at `offset` (a batch slot), resized and
 * normalized as `spec` says. Throws IW_MODEL_MANIFEST for a spec it does not implement.
 */
export function imageTensorFromPixels(
  image: DecodedImage,
  spec: ImagePreprocessSpec,
  out: Float32Array,
  offset = 0,
): Float32Array {
  if (spec.kind !== 'image' || spec.resize !== 'bilinear-align-corners' || spec.channels !== 'RGB') {
    throw new IntegrityError(
      'IW_MODEL_MANIFEST',
      `preprocess ${spec.kind}/${spec.resize}/${spec.channels} is not implemented`,
    );
  }
  let lut = tables.get(spec);
  if (!lut) {
    lut = normalizationTable(spec.scale, spec.mean, spec.std);
    tables.set(spec, lut);
  }
  resizeBilinearAlignCorners(
    image.data,
    image.width,
    image.height,
    3,
    spec.width,
    spec.height,
    lut,
    out,
    offset,
  );
  return out;
}

/**
 * Decodes image bytes and writes the model input for them. Without `out`, a new Float32Array of one
 * image is returned; with `out`, the image goes to `out[offset ...]` so a batch needs no extra copy.
 * Errors: those of {@link decodeImage}.
 */
export async function preprocessImage(
  bytes: Uint8Array,
  spec: ImagePreprocessSpec,
  options: ImageDecodeOptions,
  out?: Float32Array,
  offset = 0,
): Promise<Float32Array> {
  const target = out ?? new Float32Array(imageTensorSize(spec));
  if (target.length < offset + imageTensorSize(spec))
    throw new RangeError('output buffer too small for one image at offset');
  const image = await decodeImage(bytes, options);
  return imageTensorFromPixels(image, spec, target, offset);
}
