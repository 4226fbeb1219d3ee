/**
 * What the model repository needs from an inference session, wherever it runs: names and metadata
 * of inputs and outputs, `run`, and `close`. Two implementations: {@link createWorkerSession} (the
 * default: onnxruntime-node runs `session.run` synchronously on the calling thread, so serving keeps
 * sessions off the event loop) and {@link createInProcessSession} (tests, tools).
 */
import type { TensorMap } from './tensor-data.js';

export interface SessionOptions {
  /**
   * Threads ORT uses inside one operator.
   * @defaultValue 1
   */
  intraOpNumThreads?: number;
  /**
   * Threads ORT uses across independent operators.
   * @defaultValue 1
   */
  interOpNumThreads?: number;
  /**
   * Whether ORT's pool threads spin-wait for the next piece of work instead of sleeping
   * (`session.intra_op.allow_spinning`, `session.inter_op.allow_spinning`). Spinning saves a wake-up
   * per operator on an idle machine; on a worker whose cores are shared with its own event loop,
   * sharp's decode threads and the broker, the spinning threads burn the CPU the rest needs.
   * @defaultValue true (ORT's own default)
   */
  allowSpinning?: boolean;
  /** @defaultValue 'all' */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

export interface ValueInfo {
  readonly name: string;
  readonly type: string | undefined;
  /** Symbolic dims (like "batch") are strings; an empty array means unknown. */
  readonly shape: ReadonlyArray<number | string>;
}

export interface SessionRunner {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /**
   * Runs one batch. Input buffers may be transferred to another thread: the caller must not touch
   * them after calling. Rejects with the raw ORT error; callers wrap it.
   */
  run(feeds: TensorMap): Promise<TensorMap>;
  /**
   * Resolves with the reason when the session ended by itself (its thread crashed or was
   * terminated): every pending and later `run` then rejects with IW_MODEL_UNAVAILABLE. Never
   * resolves after `close()`. Absent for sessions that cannot die apart from the process.
   */
  readonly crashed?: Promise<Error>;
  /** Releases the session (and its thread). Idempotent. */
  close(): Promise<void>;
}

/** Creates a session for the model file at `path`. */
export type SessionFactory = (path: string, options: SessionOptions) => Promise<SessionRunner>;
