import type { Config } from '../config/load-config.js';
import type { Connector, HostResolver } from './guarded-connector.js';
import { WeightedBudget } from '../weighted-budget.js';
import { UndiciImageFetcher } from './undici-image-fetcher.js';

/** The guarded image fetcher as the environment configures it (`FETCH_*`); seams for tests. */
export function imageFetcherFromConfig(
  config: Config,
  seams: { lookup?: HostResolver; connector?: Connector } = {},
): UndiciImageFetcher {
  return new UndiciImageFetcher({
    allowedHosts: config.FETCH_ALLOWED_HOSTS,
    allowPrivateAddresses: config.FETCH_ALLOW_PRIVATE,
    connectTimeoutMs: config.FETCH_CONNECT_TIMEOUT_MS,
    totalTimeoutMs: config.FETCH_TOTAL_TIMEOUT_MS,
    maxBytes: config.FETCH_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    userAgent: config.FETCH_USER_AGENT,
    maxConnectionsPerHost: config.FETCH_MAX_CONNECTIONS_PER_HOST,
    bodyBudget: new WeightedBudget(config.FETCH_BODY_BUDGET_BYTES),
    ...(seams.lookup ? { lookup: seams.lookup } : {}),
    ...(seams.connector ? { connector: seams.connector } : {}),
  });
}

/**
 * The guarded fetcher of videos: the same guards as images (`FETCH_*`: hosts, addresses, redirects,
 * connect timeout, user agent), with the video byte cap `VIDEO_MAX_BYTES`, the total timeout
 * `VIDEO_FETCH_TIMEOUT_MS`, and a body budget of its own of `FETCH_BODY_BUDGET_BYTES`.
 */
export function videoFetcherFromConfig(
  config: Config,
  seams: { lookup?: HostResolver; connector?: Connector } = {},
): UndiciImageFetcher {
  return new UndiciImageFetcher({
    media: 'video',
    allowedHosts: config.FETCH_ALLOWED_HOSTS,
    allowPrivateAddresses: config.FETCH_ALLOW_PRIVATE,
    connectTimeoutMs: config.FETCH_CONNECT_TIMEOUT_MS,
    totalTimeoutMs: config.VIDEO_FETCH_TIMEOUT_MS,
    maxBytes: config.VIDEO_MAX_BYTES,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    userAgent: config.FETCH_USER_AGENT,
    maxConnectionsPerHost: config.FETCH_MAX_CONNECTIONS_PER_HOST,
    bodyBudget: new WeightedBudget(config.FETCH_BODY_BUDGET_BYTES),
    ...(seams.lookup ? { lookup: seams.lookup } : {}),
    ...(seams.connector ? { connector: seams.connector } : {}),
  });
}
