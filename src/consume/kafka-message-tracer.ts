/**
 * The runner's tracing of one Kafka record: a CONSUMER span `process <topic>` that continues the
 * record's `traceparent` (a new root when it has none), active while the handler runs so that stage
 * spans become its children, and one PRODUCER span `send <topic>` per output whose context goes into
 * that output's `traceparent`. The spans end when the sink answered for the chunk.
 */
import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { InputMessage } from '../contracts/input-message.js';
import type { MessageTracer, TracedOutputs } from './message-tracer.js';
import { toIntegrityError } from '../errors.js';
import type { OutputMessage } from '../produce/output-message.js';
import {
  MESSAGING,
  MESSAGING_SYSTEM_KAFKA,
  OPERATION_PROCESS,
  OPERATION_SEND,
} from '../telemetry/messaging-attributes.js';
import { extractTraceContext, injectTraceContext } from '../telemetry/trace-context.js';

/** The header the handler puts on dead letters; copied onto spans as `iw.error.code`. */
const ERROR_CODE_HEADER = 'iw-error-code';

export class KafkaMessageTracer implements MessageTracer {
  constructor(
    private readonly tracer: Tracer,
    private readonly client: { groupId: string; clientId: string },
  ) {}

  async process(input: InputMessage, handle: () => Promise<OutputMessage[]>): Promise<TracedOutputs> {
    const parent = extractTraceContext(input.headers);
    // Attributes are set only on a recording span: without an exporter every span is unrecorded and
    // building its attributes (two object spreads and a key's string per record) was wasted work.
    const span = this.tracer.startSpan(
      `${OPERATION_PROCESS} ${input.topic}`,
      { kind: SpanKind.CONSUMER },
      parent,
    );
    if (span.isRecording())
      span.setAttributes({
        ...this.common(input.topic, input.key, OPERATION_PROCESS),
        [MESSAGING.partition]: String(input.partition),
        [MESSAGING.offset]: Number(input.offset),
        [MESSAGING.consumerGroup]: this.client.groupId,
        ...(input.value === null && { [MESSAGING.tombstone]: true }),
      });
    const active = trace.setSpan(parent, span);
    let outputs: OutputMessage[];
    try {
      outputs = await context.with(active, handle);
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
    const sends = outputs.map((output) => this.send(active, output));
    const deadLetterCode = outputs.map((o) => o.headers[ERROR_CODE_HEADER]).find((c) => c !== undefined);
    if (deadLetterCode !== undefined) {
      span.setAttribute('iw.error.code', deadLetterCode.toString());
      span.setStatus({ code: SpanStatusCode.ERROR, message: deadLetterCode.toString() });
    }
    return {
      outputs: sends.map((s) => s.output),
      published: (error) => {
        for (const send of sends) {
          if (error !== undefined) fail(send.span, error);
          send.span.end();
        }
        if (error !== undefined) fail(span, error);
        span.end();
      },
    };
  }

  private send(
    parent: ReturnType<typeof trace.setSpan>,
    output: OutputMessage,
  ): { span: Span; output: OutputMessage } {
    const code = output.headers[ERROR_CODE_HEADER];
    const span = this.tracer.startSpan(
      `${OPERATION_SEND} ${output.topic}`,
      { kind: SpanKind.PRODUCER },
      parent,
    );
    if (span.isRecording())
      span.setAttributes({
        ...this.common(output.topic, output.key, OPERATION_SEND),
        ...(code !== undefined && { 'iw.error.code': code.toString() }),
      });
    const headers = { ...output.headers };
    injectTraceContext(trace.setSpan(parent, span), headers);
    return { span, output: { ...output, headers } };
  }

  private common(topic: string, key: Buffer | string | null, operation: string): Attributes {
    return {
      [MESSAGING.system]: MESSAGING_SYSTEM_KAFKA,
      [MESSAGING.destination]: topic,
      [MESSAGING.operationType]: operation,
      [MESSAGING.operationName]: operation,
      [MESSAGING.clientId]: this.client.clientId,
      ...(key !== null && { [MESSAGING.key]: key.toString() }),
    };
  }
}

function fail(span: Span, error: unknown): void {
  const code = toIntegrityError(error).code;
  span.setAttribute('iw.error.code', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}
