import { SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import { toIntegrityError } from '../errors.js';

/**
 * One INTERNAL span per stage run, named after the stage (`decode`, `cache-lookup`, `fetch`,
 * `preprocess`, `infer`, `cache-write`, `policy`, `encode`), child of the span active when the stage
 * starts (the record's CONSUMER span) and active while the stage works, so that an inference batch can
 * link to it. Attributes: `iw.stage`, `iw.attempts`, and `iw.error.code` with an ERROR status when the
 * stage failed after its retries.
 */
export function stageSpans(tracer: Tracer): (stage: string) => {
  run<T>(work: () => Promise<T>): Promise<T>;
  end(outcome: { attempts: number; error?: unknown }): void;
} {
  return (stage) => {
    const parent = context.active();
    const span = tracer.startSpan(stage, { attributes: { 'iw.stage': stage } }, parent);
    const active = trace.setSpan(parent, span);
    return {
      run: (work) => context.with(active, work),
      end: ({ attempts, error }) => {
        span.setAttribute('iw.attempts', attempts);
        if (error !== undefined) {
          const code = toIntegrityError(error).code;
          span.setAttribute('iw.error.code', code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        }
        span.end();
      },
    };
  };
}
