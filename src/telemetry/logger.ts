import { pino, type Logger } from 'pino';
import { traceMixin } from './log-trace-mixin.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout at `level`. Lines logged inside a span carry its `trace_id` and `span_id`.
 * Pin text and image URLs are never logged at info: log pin ids, codes and counts; anything with
 * content goes to debug. As a safety net, a `url` field loses its query string and fragment
 * (signed image URLs carry credentials there).
 */
export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'integrity-worker', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceMixin,
    serializers: { url: withoutQuery },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** `https://host/path?sig=...#x` -> `https://host/path`; anything else unchanged. */
export function withoutQuery(url: unknown): unknown {
  if (typeof url !== 'string') return url;
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}
