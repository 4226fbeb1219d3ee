/**
 * Signals: declared (name, the content kind it reads, model@version, role), never coded into the
 * pipeline. A plug-in file turns a declaration into a runnable {@link Signal}; the one
 * {@link SignalRunner} runs every signal the same way.
 */
import type { ContentKind, ContentValues } from '../content/content.js';
import type { IntegrityError } from '../errors.js';
import type { Scorer } from '../infer/scorer.js';
import type { NearDuplicateLookup, NearestMatch } from '../neighbours/near-duplicate-index.js';
import type { NearDuplicateVerifier } from '../neighbours/near-duplicate-verifier.js';
import type { SignalRule } from '../policy/policy.js';
import type {
  ClassScores,
  FrameVector,
  ModelRef,
  SignalDeclaration,
  SignalRole,
  SignalValue,
} from '../scores.js';

/** Bounds work in flight by what the value costs (e.g. decoded images by their pixels): `DecodedImageGate`. */
export interface Gate<V = unknown> {
  run<T>(value: V, work: () => Promise<T>): Promise<T>;
}

/** A declared signal, ready to run: the preprocess and infer stages of its computation. */
export interface Signal<V = unknown> {
  readonly name: string;
  readonly content: ContentKind;
  readonly model: ModelRef;
  readonly role: SignalRole;
  /** The names of the scores `infer` returns (checked against the policy at start). */
  readonly classes: readonly string[];
  prepare(value: V): Promise<unknown>;
  /** Scores, and for an embedding signal the unit-norm vector. */
  infer(prepared: unknown): Promise<SignalValue>;
  /** Held from the start of `prepare` to the end of `infer` (decoded images are megabytes). */
  readonly gate?: Gate<V>;
  /**
   * Set for an embedding signal: the model output its vector comes from. The vector is the product
   * (published as a ContentEmbedding); neither the policy nor the label sees the signal.
   */
  readonly embeddingOutput?: string;
  readonly derivedFrom?: undefined;
}

/**
 * A signal computed from another signal's vector rather than from content (`image.near_duplicate`
 * from `image.embedding`): it runs after the signals it reads, is never cached (what it compares
 * with changes while its content does not), and is UNSCORED with its source's reason when the source
 * has no vector.
 */
export interface DerivedSignal {
  readonly name: string;
  readonly content: ContentKind;
  readonly model: ModelRef;
  readonly role: SignalRole;
  readonly classes: readonly string[];
  /** The name of the embedding signal whose vector it reads (declared too, same model). */
  readonly derivedFrom: string;
  /**
   * Scores from the source's vector, and for a source over video frames from every frame's vector
   * (`frames`); `frameTimestampMs` names the frame of this content that decided (the one that matched).
   */
  derive(
    vector: Float32Array,
    frames?: readonly FrameVector[],
    context?: DeriveContext,
  ): Promise<DerivedValue>;
}

/** What the runner offers a derived signal besides its source's vector. */
export interface DeriveContext {
  /**
   * The bytes of the content the source scored, loaded on demand (no cost unless called: a pin whose
   * scores came from the cache by a trusted signature downloads them then). Rejects with the load's
   * coded error. Used by `image.near_duplicate` to verify candidates by ORB.
   */
  verificationImage(): Promise<Uint8Array>;
}

export interface DerivedValue {
  readonly scores: ClassScores;
  readonly match: NearestMatch | null;
  readonly frameTimestampMs?: number;
}

export type AnySignal = Signal | DerivedSignal;

export interface NearDuplicateSearch {
  readonly index: NearDuplicateLookup;
  /** Cosine distance at or below which the nearest indexed content is a near-duplicate. */
  readonly maxDistance: number;
  /**
   * Local-feature verification of the nearest candidates (an image index with
   * NEAR_DUPLICATE_VERIFIER=orb): `image.near_duplicate` then serves the verified rule, and
   * `maxDistance` is only its strict fallback. Other near-duplicate signals ignore it.
   */
  readonly verification?: {
    readonly verifier: NearDuplicateVerifier;
    /** Candidates searched (K) and the loose distance within which they count. */
    readonly candidates: number;
    readonly looseDistance: number;
  };
}

/** Samples a video's frames (`FfmpegFrameSampler`): PNG frames with their timestamps. */
export interface FrameSampler {
  sample(bytes: Uint8Array): Promise<{ readonly frames: readonly { timestampMs: number; png: Buffer }[] }>;
}

/** What a plug-in may use to build its signal. */
export interface SignalDeps {
  /** The batched scorer of a model served from the model repository. */
  scorer(model: ModelRef): Scorer;
  /** Bounds images decoded at once (by count and pixels), from decode to the end of their batch. */
  readonly decodedImages: Gate<Buffer>;
  /** Video frame sampling (ffmpeg), for signals over videos; absent where no video is read. */
  readonly videoFrames?: FrameSampler;
  /** Bounds videos sampled and scored at once (`VIDEO_MAX_CONCURRENT`). */
  readonly decodedVideos?: Gate<Buffer>;
  /**
   * The near-duplicate index of one model's embedding output and the distance within which a match
   * counts, when the worker keeps one.
   */
  nearDuplicates?(model: ModelRef, output: string): NearDuplicateSearch | undefined;
}

/**
 * A value a signal may return among its scores that is not a class: the timestamp (ms) of the video
 * frame whose scores are the signal's. It is cached with the scores; the runner moves it out of the
 * scores into {@link SignalResult}'s `frameTimestampMs`, so the policy and the label never see it as a class.
 */
export const FRAME_TIMESTAMP_SCORE = '@frameTimestampMs';

/** One signal kind: one file in `src/signals/`, listed in `catalog.ts`. */
export interface SignalPlugin<K extends ContentKind = ContentKind> {
  readonly name: string;
  readonly content: K;
  /** `repository`: its model is an ONNX model in MODELS_DIR that serving loads; `builtin`: code. */
  readonly model: 'repository' | 'builtin';
  create(declaration: SignalDeclaration, deps: SignalDeps): Signal<ContentValues[K]> | DerivedSignal;
  /** The rule the policy applies when its file has none for the signal (else the file must name it). */
  defaultRule?(declaration: SignalDeclaration): SignalRule;
}

/** One signal of one pin before the policy: scores, or the code that says why there are none. */
export type SignalResult = {
  readonly signal: string;
  readonly model: ModelRef;
  readonly role: SignalRole;
  /** Key of the content scored (`sig:...` or `sha256:...`); null when the content could not be read. */
  readonly contentKey: string | null;
  /** For an embedding signal's result: the model output of the vector (see {@link Signal.embeddingOutput}). */
  readonly embeddingOutput?: string;
} & (
  | {
      readonly scores: ClassScores;
      readonly cached: boolean;
      readonly reasonCode: null;
      /** For a signal over video frames: the timestamp (ms) of the frame that decided. */
      readonly frameTimestampMs?: number;
      /** An embedding signal's unit-norm vector. */
      readonly vector?: Float32Array;
      /** An embedding signal over video frames: every sampled frame's vector (`vector` is the deciding one). */
      readonly frames?: readonly FrameVector[];
      /** A near-duplicate signal's nearest indexed content within its distance, or null. */
      readonly match?: NearestMatch | null;
    }
  | {
      readonly scores: null;
      readonly cached: false;
      readonly reasonCode: string;
      readonly vector?: undefined;
      readonly frames?: undefined;
      readonly match?: undefined;
      /** The failure itself (absent for missing content), for callers that stop on it (`classify`). */
      readonly error?: IntegrityError;
    }
);

export function unscored(
  signal: Pick<Signal, 'name' | 'model' | 'role' | 'embeddingOutput'>,
  reasonCode: string,
  contentKey: string | null = null,
  error?: IntegrityError,
): SignalResult {
  return {
    signal: signal.name,
    model: signal.model,
    role: signal.role,
    contentKey,
    ...(signal.embeddingOutput !== undefined && { embeddingOutput: signal.embeddingOutput }),
    scores: null,
    cached: false,
    reasonCode,
    ...(error && { error }),
  };
}

/** True for the result of a signal that only produces a vector (see {@link Signal.embeddingOutput}). */
export function isEmbeddingResult(result: SignalResult): boolean {
  return result.embeddingOutput !== undefined;
}

/** A signal computed by a model-repository scorer over content of kind `K` (image or text). */
export function modelSignal<K extends ContentKind>(
  declaration: SignalDeclaration,
  content: K,
  scorer: Scorer,
  gate?: Gate<ContentValues[K]>,
): Signal<ContentValues[K]> {
  return {
    name: declaration.name,
    content,
    model: declaration.model,
    role: declaration.role,
    classes: scorer.classes,
    prepare: (value) => scorer.prepare(value),
    infer: async (prepared) => ({ scores: await scorer.infer(prepared) }),
    ...(gate && { gate }),
  };
}
