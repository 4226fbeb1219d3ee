/**
 * The vocabulary every layer shares about scores: class scores, and the `name@version` that names the
 * model behind them. Parsed here once (configuration, serving and labels all use {@link parseModelRef}).
 */
import { IntegrityError } from './errors.js';

/** Probability (or value) per class, as a model's manifest names its outputs. */
export type ClassScores = Readonly<Record<string, number>>;

/**
 * What one signal computes for one content, as cached: its class scores, and for an embedding signal
 * its vector (unit L2 norm). Cached and remembered whole, so a cache hit needs no inference at all.
 */
export interface SignalValue {
  readonly scores: ClassScores;
  readonly vector?: Float32Array;
  /**
   * For an embedding signal over a video's sampled frames (`video.embedding`): every frame's vector
   * (unit L2 norm), in sampling order; `vector` is then the deciding frame's.
   */
  readonly frames?: readonly FrameVector[];
}

/** One sampled video frame's embedding: its position among the sampled frames and its timestamp. */
export interface FrameVector {
  /** 0-based position among the video's sampled frames (at most `VIDEO_MAX_FRAMES`). */
  readonly index: number;
  /** Milliseconds from the start of the video. */
  readonly timestampMs: number;
  readonly vector: Float32Array;
}

/** One model version: `models/<name>/<version>/`, or a built-in computation with a version. */
export interface ModelRef {
  readonly name: string;
  readonly version: string;
}

const MODEL_REF = /^([a-z0-9-]+)@([A-Za-z0-9._-]+)$/;

/** `image-safety@1` -> `{ name: 'image-safety', version: '1' }`. Throws IW_CONFIG_INVALID. */
export function parseModelRef(id: string): ModelRef {
  const match = MODEL_REF.exec(id);
  if (!match)
    throw new IntegrityError('IW_CONFIG_INVALID', `${JSON.stringify(id)}: expected <name>@<version>`);
  return Object.freeze({ name: match[1]!, version: match[2]! });
}

export function modelId(model: ModelRef): string {
  return `${model.name}@${model.version}`;
}

/**
 * How a signal takes part: `primary` decides; `shadow` scores the same content and never decides (its
 * labels go to the shadow label topic); `canary` decides instead of the primary for a stable slice of
 * pins (`CANARY_FRACTION`).
 */
export const SIGNAL_ROLES = ['primary', 'shadow', 'canary'] as const;
export type SignalRole = (typeof SIGNAL_ROLES)[number];

/** A signal as the configuration declares it: its name, the model version computing it, its role. */
export interface SignalDeclaration {
  readonly name: string;
  readonly model: ModelRef;
  readonly role: SignalRole;
}

const DECLARATION = /^([a-z]+\.[a-z._]+)=([^:]+)(?::([a-z]+))?$/;

/** `image.safety=image-safety@1[:primary]` -> a declaration. Throws IW_CONFIG_INVALID. */
export function parseSignalDeclaration(text: string): SignalDeclaration {
  const match = DECLARATION.exec(text.trim());
  if (!match) {
    throw new IntegrityError(
      'IW_CONFIG_INVALID',
      `${JSON.stringify(text)}: expected <signal>=<model>@<version>[:<role>]`,
    );
  }
  const role = match[3] ?? 'primary';
  if (!(SIGNAL_ROLES as readonly string[]).includes(role)) {
    throw new IntegrityError(
      'IW_CONFIG_INVALID',
      `${JSON.stringify(text)}: role must be one of ${SIGNAL_ROLES.join(', ')}`,
    );
  }
  return Object.freeze({ name: match[1]!, model: parseModelRef(match[2]!), role: role as SignalRole });
}
