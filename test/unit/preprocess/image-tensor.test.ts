import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/errors.js';
import { decodeImage } from '../../../src/preprocess/image-decode.js';
import {
  imageTensorSize,
  preprocessImage,
  type ImagePreprocessSpec,
} from '../../../src/preprocess/image-tensor.js';
import { fixture, NSFWJS_SPEC } from './fixtures.js';

const options = { maxPixels: 50_000_000 };

describe('preprocessImage', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('equals what nsfwjs feeds its model for the same decoded pixels', async () => {
    for (const name of ['photo-china.jpg', 'photo-grace-hopper.jpg']) {
      const img = await decodeImage(fixture(name), options);
      const expected = tf.tidy(() => {
        const x = tf
          .tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32')
          .toFloat()
          .div(tf.scalar(255));
        return tf.image.resizeBilinear(x as tf.Tensor3D, [224, 224], true).dataSync() as Float32Array;
      });
      expect(await preprocessImage(fixture(name), NSFWJS_SPEC, options)).toEqual(expected);
    }
  });

  it('fills a batch slot at an offset without touching the others', async () => {
    const size = imageTensorSize(NSFWJS_SPEC);
    const batch = new Float32Array(size * 3).fill(Number.NaN);
    const returned = await preprocessImage(fixture('photo-coffee.jpg'), NSFWJS_SPEC, options, batch, size);
    expect(returned).toBe(batch);
    expect(batch.subarray(0, size).every(Number.isNaN)).toBe(true);
    expect(batch.subarray(2 * size).every(Number.isNaN)).toBe(true);
    expect(batch.subarray(size, 2 * size)).toEqual(
      await preprocessImage(fixture('photo-coffee.jpg'), NSFWJS_SPEC, options),
    );
  });

  it('refuses a slot that does not fit', async () => {
    const small = new Float32Array(imageTensorSize(NSFWJS_SPEC));
    await expect(
      preprocessImage(fixture('photo-coffee.jpg'), NSFWJS_SPEC, options, small, 1),
    ).rejects.toThrow(RangeError);
  });

  it('refuses a preprocess spec it does not implement', async () => {
    const spec = { ...NSFWJS_SPEC, resize: 'lanczos3' } as unknown as ImagePreprocessSpec;
    const error: unknown = await preprocessImage(fixture('photo-coffee.jpg'), spec, options).catch(
      (e: unknown) => e,
    );
    expect(isIntegrityError(error, 'IW_MODEL_MANIFEST')).toBe(true);
  });

  it('passes decode errors through with their codes', async () => {
    const error: unknown = await preprocessImage(fixture('bad-truncated.jpg'), NSFWJS_SPEC, options).catch(
      (e: unknown) => e,
    );
    expect(isIntegrityError(error, 'IW_IMAGE_DECODE')).toBe(true);
  });
});
