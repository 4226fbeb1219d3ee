/** Options of the {@link DynamicBatcher} and what it reports per batch. */
import type { IntegrityError } from '../errors.js';
import type { TensorPacker } from './tensor-packer.js';
import type { TensorMap } from './tensor-data.js';

/** What one batch did; the runner turns it into metrics and a span linked to `contexts`. */
export interface BatchObservation<Ctx> {
  readonly model: string;
  readonly size: number;
  /** Per request, in batch order: ms from `enqueue` to the start of the session call. */
  readonly queueWaitMs: readonly number[];
  readonly packMs: number;
  readonly computeMs: number;
  /** The opaque per-request contexts, in batch order. */
  readonly contexts: readonly Ctx[];
  readonly error?: IntegrityError;
}

export interface DynamicBatcherOptions<Row, Ctx> {
  /** The model id (`name@version`) carried by observations and errors. */
  model: string;
  packer: TensorPacker<Row>;
  /** One session call; the input buffers are handed over. */
  run: (feeds: TensorMap) => Promise<TensorMap>;
  /** The output whose rows are the per-request results, shape [N, C]. */
  outputName: string;
  /** Further outputs of the same session call whose rows `enqueueAll` returns too (shape [N, D]). @defaultValue [] */
  extraOutputs?: readonly string[];
  /** @defaultValue 8 */
  maxBatchSize?: number;
  /** @defaultValue 5 (milliseconds) */
  maxQueueDelayMs?: number;
  /** Admitted requests (queued + computing); at least maxBatchSize. @defaultValue 4 * maxBatchSize */
  maxPending?: number;
  /** Batches computing at once; 1 suits one session per model. @defaultValue 1 */
  maxConcurrentBatches?: number;
  /** Called after every batch; its exceptions are swallowed so it can never break inference. */
  observer?: (observation: BatchObservation<Ctx>) => void;
  /** @defaultValue performance.now */
  now?: () => number;
}
