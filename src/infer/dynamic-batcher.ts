/**
 * Dynamic batching for one model, after Triton's: requests queue up until `maxBatchSize` of them
 * are waiting or the oldest has waited `maxQueueDelayMs`, then one session call runs the batch and
 * each request gets its own output row. While a batch computes, the next one fills, so under load
 * batches grow by themselves and at low load a request waits at most `maxQueueDelayMs`.
 *
 * Backpressure: at most `maxPending` requests are admitted (queued or computing). When full,
 * `enqueue` does not reject: its promise stays pending and the request is admitted, in FIFO order,
 * as soon as a batch completes. Callers that must not wait read `saturated` first (the consumer
 * pauses its partitions); the number of such waiting callers is bounded by the caller's own
 * in-flight limit, not here.
 *
 * Errors: a row the packer refuses rejects at once with IW_INPUT_INVALID; a batch that fails to
 * pack, run or unpack rejects every request of that batch with IW_INFERENCE_FAILED (retriable), or
 * IW_MODEL_UNAVAILABLE (retriable) when the session died under it or is still being restarted;
 * `enqueue` after `close()` rejects with IW_INFERENCE_CLOSED.
 */
import { IntegrityError, isIntegrityError, toIntegrityError } from '../errors.js';
import type { BatchObservation, DynamicBatcherOptions } from './dynamic-batcher-options.js';
import type { TensorMap } from './tensor-data.js';

export type { BatchObservation, DynamicBatcherOptions } from './dynamic-batcher-options.js';

type Request<Row, Ctx> = {
  row: Row;
  context: Ctx;
  calledAt: number;
  queuedAt: number;
  /** One row per output: the main output's, then each of `extraOutputs` in order. */
  resolve: (rows: Float32Array[]) => void;
  reject: (error: IntegrityError) => void;
};

export class DynamicBatcher<Row, Ctx = undefined> {
  readonly #o: Required<Omit<DynamicBatcherOptions<Row, Ctx>, 'observer'>> &
    Pick<DynamicBatcherOptions<Row, Ctx>, 'observer'>;
  readonly #queue: Request<Row, Ctx>[] = [];
  readonly #waiting: Request<Row, Ctx>[] = [];
  #computing = 0;
  #running = 0;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #drained: (() => void) | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: DynamicBatcherOptions<Row, Ctx>) {
    const maxBatchSize = options.maxBatchSize ?? 8;
    const o = {
      ...options,
      maxBatchSize,
      maxQueueDelayMs: options.maxQueueDelayMs ?? 5,
      maxPending: options.maxPending ?? 4 * maxBatchSize,
      maxConcurrentBatches: options.maxConcurrentBatches ?? 1,
      extraOutputs: options.extraOutputs ?? [],
      now: options.now ?? (() => performance.now()),
    };
    if (
      !(o.maxBatchSize >= 1) ||
      !(o.maxPending >= o.maxBatchSize) ||
      !(o.maxConcurrentBatches >= 1) ||
      !(o.maxQueueDelayMs >= 0)
    ) {
      throw new IntegrityError(
        'IW_CONFIG_INVALID',
        `batcher ${o.model}: need maxBatchSize >= 1, maxPending >= maxBatchSize`,
      );
    }
    this.#o = o;
  }

  /** The most requests one batch takes. */
  get maxBatchSize(): number {
    return this.#o.maxBatchSize;
  }

  /** Requests admitted and not yet answered (queued or computing). */
  get pending(): number {
    return this.#queue.length + this.#computing;
  }

  /** True when a new request would have to wait for admission. */
  get saturated(): boolean {
    return this.pending + this.#waiting.length >= this.#o.maxPending;
  }

  /** Scores `row`; resolves with its output row (one value per class). See the class doc for errors. */
  async enqueue(row: Row, context: Ctx): Promise<Float32Array> {
    return (await this.enqueueAll(row, context))[0]!;
  }

  /**
   * Like {@link enqueue}, resolving with the row's rows of every output of the same session call: the
   * main output's, then each of the options' `extraOutputs` (e.g. an embedding), in order.
   */
  enqueueAll(row: Row, context: Ctx): Promise<Float32Array[]> {
    if (this.#closing) {
      return Promise.reject(new IntegrityError('IW_INFERENCE_CLOSED', `batcher ${this.#o.model} is closing`));
    }
    try {
      this.#o.packer.check(row);
    } catch (error) {
      return Promise.reject(toIntegrityError(error, 'IW_INPUT_INVALID'));
    }
    return new Promise((resolve, reject) => {
      const now = this.#o.now();
      const request = { row, context, calledAt: now, queuedAt: now, resolve, reject };
      if (this.pending < this.#o.maxPending && this.#waiting.length === 0) this.#queue.push(request);
      else this.#waiting.push(request);
      this.#pump();
    });
  }

  /** Stops admitting new requests, runs everything already enqueued without waiting for the delay, then resolves. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closing = true;
    this.#closed = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    this.#pump();
    return this.#closed;
  }

  #pump(): void {
    this.#admit();
    while (this.#running < this.#o.maxConcurrentBatches && this.#queue.length > 0) {
      const oldest = this.#queue[0]!;
      const age = this.#o.now() - oldest.queuedAt;
      if (this.#queue.length < this.#o.maxBatchSize && !this.#closing && age < this.#o.maxQueueDelayMs) {
        this.#arm(this.#o.maxQueueDelayMs - age);
        return;
      }
      this.#disarm();
      void this.#runBatch(this.#queue.splice(0, this.#o.maxBatchSize));
    }
    if (this.#closing && this.pending === 0 && this.#waiting.length === 0) this.#drained?.();
  }

  #admit(): void {
    while (this.#waiting.length > 0 && this.pending < this.#o.maxPending) {
      const request = this.#waiting.shift()!;
      request.queuedAt = this.#o.now();
      this.#queue.push(request);
    }
  }

  #arm(delayMs: number): void {
    if (this.#timer) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#pump();
      },
      Math.max(0, delayMs),
    );
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #runBatch(batch: Request<Row, Ctx>[]): Promise<void> {
    this.#running++;
    this.#computing += batch.length;
    const start = this.#o.now();
    const queueWaitMs = batch.map((r) => start - r.calledAt);
    let packMs = 0;
    let computeMs = 0;
    let error: IntegrityError | undefined;
    try {
      const feeds = this.#o.packer.pack(batch.map((r) => r.row));
      packMs = this.#o.now() - start;
      const outputs = await this.#o.run(feeds);
      computeMs = this.#o.now() - start - packMs;
      const names = [this.#o.outputName, ...this.#o.extraOutputs];
      const perOutput = names.map((name) => this.#unpack(outputs, name, batch.length));
      batch.forEach((r, i) => r.resolve(perOutput.map((rows) => rows[i]!)));
    } catch (cause) {
      computeMs = this.#o.now() - start - packMs;
      error = new IntegrityError(
        isIntegrityError(cause, 'IW_MODEL_UNAVAILABLE') ? 'IW_MODEL_UNAVAILABLE' : 'IW_INFERENCE_FAILED',
        `batch of ${batch.length} on ${this.#o.model} failed`,
        {
          cause,
          details: { model: this.#o.model, size: batch.length },
        },
      );
      for (const r of batch) r.reject(error);
    }
    this.#running--;
    this.#computing -= batch.length;
    this.#observe({
      model: this.#o.model,
      size: batch.length,
      queueWaitMs,
      packMs,
      computeMs,
      contexts: batch.map((r) => r.context),
      ...(error && { error }),
    });
    this.#pump();
  }

  #unpack(outputs: TensorMap, name: string, size: number): Float32Array[] {
    const out = outputs[name];
    if (!out || !(out.data instanceof Float32Array) || out.dims.length !== 2 || out.dims[0] !== size) {
      throw new Error(
        `output ${name}: want float32 [${size}, C], got ${out ? `[${out.dims.join(',')}]` : 'nothing'}`,
      );
    }
    const width = out.dims[1]!;
    return Array.from({ length: size }, (_, i) => out.data.slice(i * width, (i + 1) * width) as Float32Array);
  }

  #observe(observation: BatchObservation<Ctx>): void {
    try {
      this.#o.observer?.(observation);
    } catch {
      // An observer is instrumentation: it must never fail a batch or stop the pump.
    }
  }
}
