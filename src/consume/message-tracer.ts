import type { OutputMessage } from '../produce/output-message.js';
import type { InputMessage } from '../contracts/input-message.js';

/** The outputs of one input, ready to publish, and the callback that closes its trace. */
export interface TracedOutputs {
  readonly outputs: OutputMessage[];
  /** Called exactly once, after the sink answered for the chunk; `error` when it did not acknowledge. */
  published(error?: unknown): void;
}

/**
 * What the runner asks of tracing for one input record: run its handling inside the record's span
 * and return its outputs with the trace context they must carry in their headers. A throw from
 * `handle` is passed on (after the span is closed). Implemented in `src/telemetry/`.
 */
export interface MessageTracer {
  process(input: InputMessage, handle: () => Promise<OutputMessage[]>): Promise<TracedOutputs>;
}

/** No tracing: the outputs go out as the handler made them. */
export const UNTRACED: MessageTracer = {
  process: async (_input, handle) => ({ outputs: await handle(), published: () => {} }),
};
