import type { IncomingHttpHeaders } from 'node:http';
import { IntegrityError } from '../errors.js';

/** Statuses whose body is the image. */
export const IMAGE_STATUSES: ReadonlySet<number> = new Set([200, 203]);

/** Statuses the fetcher follows when they carry a Location. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * The error for a status that is neither an image nor a redirect: `IW_FETCH_HTTP_5XX` (retriable) for
 * 5xx and 429, with `details.retryAfterMs` when the server sent a usable Retry-After; otherwise
 * `IW_FETCH_HTTP_STATUS` (permanent), 408 included.
 */
export function statusError(
  status: number,
  headers: IncomingHttpHeaders,
  details: Record<string, unknown>,
  now: () => number = Date.now,
): IntegrityError {
  if (status >= 500 || status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], now);
    return new IntegrityError('IW_FETCH_HTTP_5XX', `image server answered ${status}`, {
      details: { ...details, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
    });
  }
  return new IntegrityError('IW_FETCH_HTTP_STATUS', `image server answered ${status}`, {
    details: { ...details, status },
  });
}

/** Retry-After as delay-seconds or an HTTP date, in ms from now (never negative); undefined when absent or junk. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: () => number = Date.now,
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}
