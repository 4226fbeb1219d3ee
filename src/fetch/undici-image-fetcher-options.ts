import { lookup } from 'node:dns/promises';
import { BROWSER_USER_AGENT, FETCH_TIMEOUT_DEFAULTS_MS } from '../config/env-variables.js';
import type { WeightedBudget } from '../weighted-budget.js';
import type { Connector, HostResolver } from './guarded-connector.js';
import { SNIFFABLE_IMAGE_TYPES } from './sniff-image-type.js';
import type { ImageMimeType } from './sniff-image-type.js';

/** Options of {@link UndiciImageFetcher}; only `allowedHosts` is required. */
export interface UndiciImageFetcherOptions {
  /**
   * Hosts image URLs (and every redirect target) may name: exact names, IP literals, `*.suffix`
   * wildcards (subdomains only) or `*` for any host. An allowed host still has to resolve to an
   * allowed address. No default: an empty list refuses every URL.
   */
  readonly allowedHosts: readonly string[];
  /**
   * Addresses or CIDRs allowed although the address policy refuses them (loopback, private, ...),
   * e.g. `['127.0.0.1']` in tests or an internal CDN range.
   * @defaultValue `[]`
   */
  readonly allowPrivateAddresses?: readonly string[];
  /**
   * Deadline for DNS resolution plus TCP (and TLS) connect of one connection, in ms.
   * @defaultValue `2000` (`FETCH_TIMEOUT_DEFAULTS_MS`, the same as `FETCH_CONNECT_TIMEOUT_MS`)
   */
  readonly connectTimeoutMs?: number;
  /**
   * Deadline for the whole fetch, every redirect hop and the full body included, in ms.
   * @defaultValue `5000` (`FETCH_TIMEOUT_DEFAULTS_MS`, the same as `FETCH_TOTAL_TIMEOUT_MS`)
   */
  readonly totalTimeoutMs?: number;
  /**
   * Largest image accepted, in bytes: checked against Content-Length before reading and against the
   * bytes read while streaming.
   * @defaultValue `10485760` (10 MiB)
   */
  readonly maxBytes?: number;
  /**
   * Bytes of bodies held at once across all fetches, shared with whoever holds fetched images until
   * they `release()` them. Without one, only the per-image cap bounds memory.
   * @defaultValue none
   */
  readonly bodyBudget?: WeightedBudget;
  /**
   * Connections (so requests at once) per origin; more requests to the same origin wait for one.
   * @defaultValue `64`
   */
  readonly maxConnectionsPerHost?: number;
  /**
   * Redirects followed per fetch; one more is `IW_FETCH_TOO_MANY_REDIRECTS`.
   * @defaultValue `3`
   */
  readonly maxRedirects?: number;
  /**
   * The User-Agent header sent on every request and redirect hop. The default reads like a desktop
   * browser: a fetcher that announces itself lets a host serve it a clean image and users another
   * (scanner cloaking).
   * @defaultValue `BROWSER_USER_AGENT` (src/config/env-variables.ts)
   */
  readonly userAgent?: string;
  /**
   * Resolves host names to all their addresses; every address is checked before any socket opens.
   * @defaultValue `(host) => dns.promises.lookup(host, { all: true })`
   */
  readonly lookup?: HostResolver;
  /**
   * Opens a socket to an already validated IP address. A seam for tests (count or forbid connects);
   * production keeps the default.
   * @defaultValue undici's `buildConnector({ timeout: connectTimeoutMs })`
   */
  readonly connector?: Connector;
  /**
   * Sniffed image types accepted; others are `IW_IMAGE_UNSUPPORTED`.
   * @defaultValue every type in `SNIFFABLE_IMAGE_TYPES` (JPEG, PNG, GIF, WebP, AVIF, HEIC/HEIF, TIFF, BMP)
   */
  readonly allowedTypes?: readonly ImageMimeType[];
  /**
   * What the URLs name: `image` (sniffed against `allowedTypes`), or `video` (a container of
   * `SNIFFABLE_VIDEO_TYPES`, else `IW_VIDEO_UNSUPPORTED`; over the byte cap `IW_VIDEO_TOO_LARGE`).
   * Every other guard (hosts, addresses, redirects, deadlines, byte cap, body budget) is the same.
   * @defaultValue `image`
   */
  readonly media?: 'image' | 'video';
}

export const FETCHER_DEFAULTS = Object.freeze({
  allowPrivateAddresses: [] as readonly string[],
  connectTimeoutMs: FETCH_TIMEOUT_DEFAULTS_MS.connect,
  totalTimeoutMs: FETCH_TIMEOUT_DEFAULTS_MS.total,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 3,
  maxConnectionsPerHost: 64,
  userAgent: BROWSER_USER_AGENT,
  lookup: ((host: string) => lookup(host, { all: true })) as HostResolver,
  allowedTypes: SNIFFABLE_IMAGE_TYPES as readonly ImageMimeType[],
  media: 'image' as 'image' | 'video',
});

/** Fills in defaults and rejects nonsense (RangeError) so that a bad config fails at start, not per pin. */
export function resolveFetcherOptions(options: UndiciImageFetcherOptions) {
  const resolved = { ...FETCHER_DEFAULTS, ...stripUndefined(options) };
  const positive = ['connectTimeoutMs', 'totalTimeoutMs', 'maxBytes'] as const;
  for (const key of positive) {
    if (!Number.isFinite(resolved[key]) || resolved[key] <= 0) throw new RangeError(`${key} must be > 0`);
  }
  if (!/^[\x20-\x7e]+$/.test(resolved.userAgent)) {
    throw new RangeError('userAgent must be printable ASCII without line breaks');
  }
  if (!Number.isInteger(resolved.maxConnectionsPerHost) || resolved.maxConnectionsPerHost < 1) {
    throw new RangeError('maxConnectionsPerHost must be an integer >= 1');
  }
  if (!Number.isInteger(resolved.maxRedirects) || resolved.maxRedirects < 0) {
    throw new RangeError('maxRedirects must be an integer >= 0');
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
