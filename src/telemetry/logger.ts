import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout. Pin text and image URLs are never logged at info: log pin ids, codes and
 * counts; anything with content goes to debug.
 */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'integrity-worker', ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
