/** The stages a message passes through; names used in spans, metrics and dead letters. */
export type StageName =
  | 'decode'
  | 'validate'
  | 'cache-lookup'
  | 'fetch'
  | 'preprocess'
  | 'infer'
  | 'cache-write'
  | 'policy'
  | 'encode'
  | 'publish';

/**
 * Runs one stage of one message. The pipeline states what to do; the runner's implementation decides
 * how: retries of retriable failures within the message's budget, timing, tracing. Stages never retry
 * or measure themselves.
 */
export interface StageRunner {
  run<T>(
    stage: StageName,
    work: (attempt: { attempt: number; remainingMs: number }) => Promise<T>,
  ): Promise<T>;
}

/** Runs each stage once, with no retries, timing or tracing: for callers outside the worker (`classify`). */
export const DIRECT_STAGES: StageRunner = {
  run: (_stage, work) => work({ attempt: 1, remainingMs: Number.POSITIVE_INFINITY }),
};
