/**
 * Signals: declared (name, the content kind it reads, model@version, role), never coded into the
 * pipeline. A plug-in file turns a declaration into a runnable {@link Signal}; the one
 * {@link SignalRunner} runs every signal the same way.
 */
import type { ContentKind, ContentValues } from '../content/content.js';
import type { IntegrityError } from '../errors.js';
import type { Scorer } from '../infer/scorer.js';
import type { ClassScores, ModelRef, SignalDeclaration, SignalRole } from '../scores.js';

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
  infer(prepared: unknown): Promise<ClassScores>;
  /** Held from the start of `prepare` to the end of `infer` (decoded images are megabytes). */
  readonly gate?: Gate<V>;
}

/** What a plug-in may use to build its signal. */
export interface SignalDeps {
  /** The batched scorer of a model served from the model repository. */
  scorer(model: ModelRef): Scorer;
  /** Bounds images decoded at once (by count and pixels), from decode to the end of their batch. */
  readonly decodedImages: Gate<Buffer>;
}

/** One signal kind: one file in `src/signals/`, listed in `catalog.ts`. */
export interface SignalPlugin<K extends ContentKind = ContentKind> {
  readonly name: string;
  readonly content: K;
  /** `repository`: its model is an ONNX model in MODELS_DIR that serving loads; `builtin`: code. */
  readonly model: 'repository' | 'builtin';
  create(declaration: SignalDeclaration, deps: SignalDeps): Signal<ContentValues[K]>;
}

/** One signal of one pin before the policy: scores, or the code that says why there are none. */
export type SignalResult = {
  readonly signal: string;
  readonly model: ModelRef;
  readonly role: SignalRole;
  /** Key of the content scored (`sig:...` or `sha256:...`); null when the content could not be read. */
  readonly contentKey: string | null;
} & (
  | { readonly scores: ClassScores; readonly cached: boolean; readonly reasonCode: null }
  | {
      readonly scores: null;
      readonly cached: false;
      readonly reasonCode: string;
      /** The failure itself (absent for missing content), for callers that stop on it (`classify`). */
      readonly error?: IntegrityError;
    }
);

export function unscored(
  signal: Pick<Signal, 'name' | 'model' | 'role'>,
  reasonCode: string,
  contentKey: string | null = null,
  error?: IntegrityError,
): SignalResult {
  return {
    signal: signal.name,
    model: signal.model,
    role: signal.role,
    contentKey,
    scores: null,
    cached: false,
    reasonCode,
    ...(error && { error }),
  };
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
    infer: (prepared) => scorer.infer(prepared),
    ...(gate && { gate }),
  };
}
