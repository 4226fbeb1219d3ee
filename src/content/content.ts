/**
 * Content: what signals read, extracted from a pin once, whatever number of signals read it. Each
 * content has a content key (`sha256:<hex>` of the bytes or of the model text, or an upstream
 * signature `sig:<signature>` trusted as an alias) under which its scores are cached.
 */
import { IntegrityError } from '../errors.js';
import type { StageRunner } from '../stage-runner.js';
import { sha256Key } from './content-key.js';
import { modelText, type TextFields } from './text-content.js';

/** The kinds of content a signal can read, and the value each one loads (a video: its bytes). */
export interface ContentValues {
  image: Buffer;
  text: string;
  video: Buffer;
}
export type ContentKind = keyof ContentValues;

export interface LoadedContent<V> {
  /** The content key of the value itself (`sha256:...`). */
  readonly key: string;
  readonly value: V;
  /** True when another pin's load of the same content was shared (no download of our own). */
  readonly shared: boolean;
  /** False when the upfront key was an alias the value disproved (a `sha256:` signature not matching the bytes). */
  readonly aliasHolds: boolean;
}

/** One content of one pin. */
export interface Content<V = unknown> {
  readonly kind: ContentKind;
  /**
   * The key to look scores up under before anything is loaded: the value's own key (text, local
   * bytes) or an alias (a trusted upstream signature); null when nothing is known before loading.
   */
  readonly upfrontKey: string | null;
  /** True when `upfrontKey` is the value's own key: `load` costs nothing and needs no second lookup. */
  readonly upfrontIsOwnKey: boolean;
  /** Loads the value at most once per pin (an image download); throws coded IntegrityErrors. */
  load(stages: StageRunner): Promise<LoadedContent<V>>;
  /** The value's own key once it was loaded, else null (for an UNSCORED result after a later failure). */
  loadedKey(): string | null;
  /** Gives back what the loaded value holds (a fetched body's share of the byte budget); idempotent. */
  release?(): void;
}

/** The contents of one pin, by kind; a kind the pin lacks is absent. */
export type Contents = { readonly [K in ContentKind]?: Content<ContentValues[K]> };

/** Content whose value is already in hand: the model text, or image bytes read from a file. */
export function contentOf<K extends ContentKind>(
  kind: K,
  value: ContentValues[K],
): Content<ContentValues[K]> {
  const key = sha256Key(value);
  const loaded: LoadedContent<ContentValues[K]> = { key, value, shared: false, aliasHolds: true };
  return { kind, upfrontKey: key, upfrontIsOwnKey: true, load: async () => loaded, loadedKey: () => key };
}

export interface PinImageRef {
  readonly url: string;
  readonly signature: string | null;
}

/** Turns a pin's image reference into its (lazily downloaded) content: `ImageContentSource`. */
export interface ImageContents {
  forPin(image: PinImageRef): Content<Buffer>;
}

export interface PinVideoRef {
  readonly url: string;
}

/** Turns a pin's video reference into its (lazily downloaded) content: `VideoContentSource`. */
export interface VideoContents {
  forPin(video: PinVideoRef): Content<Buffer>;
}

/** The parts of a PinCreated event that content is extracted from. */
export interface PinFields extends TextFields {
  readonly pinId: string;
  readonly image: PinImageRef | null;
  /** Absent in records written before videos existed (read as null). */
  readonly video?: PinVideoRef | null;
}

/**
 * Reads a pin into its contents: the image and the video (fetched lazily, by the signals that need
 * them) and the model text. A pin with none of them is invalid input (IW_INPUT_INVALID, a dead letter).
 * Without a video source (no declared signal reads videos), a pin's video is not content.
 */
export class PinContentExtractor {
  constructor(
    private readonly images: ImageContents,
    private readonly videos?: VideoContents,
  ) {}

  extract(pin: PinFields): Contents {
    const text = modelText(pin);
    const video = pin.video ?? null;
    if (text === null && pin.image === null && video === null) {
      throw new IntegrityError('IW_INPUT_INVALID', 'the pin has neither an image, a video nor any text', {
        details: { pinId: pin.pinId },
      });
    }
    return {
      ...(pin.image !== null && { image: this.images.forPin(pin.image) }),
      ...(text !== null && { text: contentOf('text', text) }),
      ...(video !== null && this.videos && { video: this.videos.forPin(video) }),
    };
  }
}
