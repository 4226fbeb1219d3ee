/**
 * Bounds decoded images in memory by count and by pixels: before an image is decoded, its header's
 * width x height is taken from a pixel budget (a weighted semaphore) and held until the work given
 * to `run` (decode, then its batch) ends. A full-size decoded photo is 3 bytes per pixel: 16 decodes
 * of 50 MP at once would be 2.4 GB, whereas the budget keeps their sum under `budgetPixels` (one
 * image larger than the budget runs alone).
 *
 * The header is read with sharp (no pixel is decoded). Bytes whose header cannot be read take no
 * pixels: decoding them fails at once with its own code, in the preprocess stage.
 */
import sharp from 'sharp';
import type { Config } from '../config/load-config.js';
import { WeightedBudget } from '../weighted-budget.js';
import { SHRINK_TO, shrinkOnLoadSize } from './image-decode.js';

export interface DecodedImageGateOptions {
  /** Images decoded (or waiting for their batch) at once. */
  readonly maxImages: number;
  /** Pixels (width x height, all images together) decoded at once. */
  readonly budgetPixels: number;
  /** Images above this are refused from their header without decoding: they take no pixels. */
  readonly maxPixels: number;
  /**
   * Shrink-on-load's bound (`IMAGE_DECODE_SHRINK=on`): an image that the decode shrinks takes the
   * pixels of its shrunk size ({@link shrinkOnLoadSize}), not of its header's full size.
   */
  readonly shrinkTo?: { readonly width: number; readonly height: number };
}

export class DecodedImageGate {
  readonly #pixels: WeightedBudget;
  readonly #slots: WeightedBudget;
  readonly #maxPixels: number;
  readonly #shrinkTo: DecodedImageGateOptions['shrinkTo'];

  constructor(options: DecodedImageGateOptions) {
    this.#maxPixels = options.maxPixels;
    this.#shrinkTo = options.shrinkTo;
    this.#pixels = new WeightedBudget(options.budgetPixels);
    this.#slots = new WeightedBudget(options.maxImages);
  }

  /** Pixels held by images being decoded or batched now. */
  get pixelsInUse(): number {
    return this.#pixels.inUse;
  }

  /**
   * Runs `work` once the image in `bytes` fits, by count and by pixels. Work on the same bytes
   * (the same buffer: several signals of one pin reading its image, which is decoded once) shares
   * one admission, held until the last of them ends.
   */
  async run<T>(bytes: Uint8Array, work: () => Promise<T>): Promise<T> {
    for (;;) {
      let admitted = this.#admitted.get(bytes);
      if (!admitted) {
        admitted = this.#admit(bytes);
        this.#admitted.set(bytes, admitted);
      }
      const held = await admitted;
      if (held.join()) return held.run(work);
      // Released before this caller joined: admit again.
      if (this.#admitted.get(bytes) === admitted) this.#admitted.delete(bytes);
    }
  }

  async #admit(bytes: Uint8Array): Promise<Admission> {
    const { header, decoded } = await headerPixels(bytes, this.#shrinkTo);
    const pixels = header > this.#maxPixels ? 0 : decoded;
    const slot = await this.#slots.acquire(1);
    try {
      const lease = await this.#pixels.acquire(pixels);
      return new Admission(() => {
        lease.release();
        slot.release();
        this.#admitted.delete(bytes);
      });
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  readonly #admitted = new WeakMap<Uint8Array, Promise<Admission>>();
}

/** One image's admission, shared by the work on it; released when the last work ends. */
class Admission {
  #holders = 0;
  #released = false;

  constructor(private readonly release: () => void) {}

  /** False once released: the caller must be admitted anew. */
  join(): boolean {
    if (this.#released) return false;
    this.#holders++;
    return true;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      if (--this.#holders === 0) {
        this.#released = true;
        this.release();
      }
    }
  }
}

/** The header's pixels (for the cap) and those the decode will hold (shrunk on load or full size). */
async function headerPixels(
  bytes: Uint8Array,
  shrinkTo: DecodedImageGateOptions['shrinkTo'],
): Promise<{ header: number; decoded: number }> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    const { width = 0, height = 0 } = meta;
    const shrunk = shrinkTo && shrinkOnLoadSize(meta.format, width, height, meta.orientation, shrinkTo);
    return { header: width * height, decoded: shrunk ? shrunk.width * shrunk.height : width * height };
  } catch {
    return { header: 0, decoded: 0 };
  }
}

/**
 * The gate the configuration asks for: `2 x IMAGE_MAX_BATCH` images and `IMAGE_DECODE_BUDGET_PIXELS`
 * pixels at once, shrunk images accounted at their shrunk size when `IMAGE_DECODE_SHRINK` is on.
 */
export function decodedImageGateFromConfig(
  config: Pick<
    Config,
    'IMAGE_MAX_BATCH' | 'IMAGE_DECODE_BUDGET_PIXELS' | 'IMAGE_MAX_PIXELS' | 'IMAGE_DECODE_SHRINK'
  >,
): DecodedImageGate {
  return new DecodedImageGate({
    maxImages: 2 * config.IMAGE_MAX_BATCH,
    budgetPixels: config.IMAGE_DECODE_BUDGET_PIXELS,
    maxPixels: config.IMAGE_MAX_PIXELS,
    ...(config.IMAGE_DECODE_SHRINK && { shrinkTo: SHRINK_TO }),
  });
}
