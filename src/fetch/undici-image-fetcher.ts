import { Agent, buildConnector } from 'undici';
import type { Dispatcher } from 'undici';
import { IntegrityError } from '../errors.js';
import { AddressPolicy } from './address-policy.js';
import { guardedConnector } from './guarded-connector.js';
import { HostAllowlist } from './host-allowlist.js';
import type { FetchedImage, FetchOptions, ImageFetcher } from './image-fetcher.js';
import type { Lease } from '../weighted-budget.js';
import { checkImageUrl } from './image-url.js';
import { mapFetchError } from './map-fetch-error.js';
import { discardBody, readCappedBody } from './read-capped-body.js';
import { IMAGE_STATUSES, REDIRECT_STATUSES, statusError } from './response-status.js';
import { sniffImageType } from './sniff-image-type.js';
import { sniffVideoType } from '../preprocess/sniff-video-type.js';
import type { ImageMimeType } from './sniff-image-type.js';
import { resolveFetcherOptions } from './undici-image-fetcher-options.js';
import type { UndiciImageFetcherOptions } from './undici-image-fetcher-options.js';

export type { UndiciImageFetcherOptions } from './undici-image-fetcher-options.js';

// Bytes of a redirect or error body read to keep the connection reusable; beyond that it is closed.
const DRAIN_LIMIT_BYTES = 16 * 1024;

/**
 * The {@link ImageFetcher} over an undici `Agent` whose connector refuses refused addresses before a
 * socket exists. Redirects are followed by hand so that every hop passes the same URL, host and
 * address checks as the first request. One instance is shared by all fetches (it pools connections);
 * `close` it on shutdown.
 */
export class UndiciImageFetcher implements ImageFetcher {
  private readonly options: ReturnType<typeof resolveFetcherOptions>;
  private readonly allowlist: HostAllowlist;
  private readonly policy: AddressPolicy;
  private readonly allowedTypes: ReadonlySet<ImageMimeType>;
  private readonly agent: Agent;
  private closed = false;

  /** Throws a TypeError or RangeError for a malformed option. */
  constructor(options: UndiciImageFetcherOptions) {
    this.options = resolveFetcherOptions(options);
    const { connectTimeoutMs, totalTimeoutMs } = this.options;
    this.allowlist = new HostAllowlist(this.options.allowedHosts);
    this.policy = new AddressPolicy(this.options.allowPrivateAddresses);
    this.allowedTypes = new Set(this.options.allowedTypes);
    const connect = guardedConnector({
      resolve: this.options.lookup,
      policy: this.policy,
      connect: this.options.connector ?? buildConnector({ timeout: connectTimeoutMs }),
      connectTimeoutMs,
    });
    this.agent = new Agent({
      connect,
      headersTimeout: totalTimeoutMs,
      bodyTimeout: totalTimeoutMs,
      // Per origin: one slow or hostile host holds at most this many sockets; its other requests
      // queue in undici's pool (within their deadline) and leave every other host alone.
      connections: this.options.maxConnectionsPerHost,
    });
  }

  async fetch(rawUrl: string, options: FetchOptions = {}): Promise<FetchedImage> {
    const { signal } = options;
    signal?.throwIfAborted();
    const started = performance.now();
    const deadline = new AbortController();
    const timeoutMs = Math.max(0, Math.min(this.options.totalTimeoutMs, options.timeoutMs ?? Infinity));
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const onAbort = (): void => deadline.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let url: URL | undefined;
    let redirects = 0;
    let lease: Lease | undefined;
    try {
      url = checkImageUrl(rawUrl, this.allowlist, this.policy);
      for (;;) {
        const response = await this.request(url, deadline.signal);
        const details = { host: url.hostname, status: response.statusCode, redirects };
        if (REDIRECT_STATUSES.has(response.statusCode) && response.headers.location !== undefined) {
          await response.body.dump({ limit: DRAIN_LIMIT_BYTES, signal: deadline.signal });
          if (redirects >= this.options.maxRedirects) {
            throw new IntegrityError('IW_FETCH_TOO_MANY_REDIRECTS', 'image URL redirects too often', {
              details: { ...details, maxRedirects: this.options.maxRedirects },
            });
          }
          const { location: header } = response.headers;
          const location = Array.isArray(header) ? (header[0] ?? '') : header;
          redirects++;
          url = checkImageUrl(location, this.allowlist, this.policy, url, { redirects });
          continue;
        }
        const read = await this.readImage(response, details, deadline.signal);
        lease = read.lease;
        const { bytes } = read;
        if (this.options.media === 'video') {
          const video = sniffVideoType(bytes);
          if (video === undefined) {
            throw new IntegrityError('IW_VIDEO_UNSUPPORTED', 'video bytes are not an accepted container', {
              details: { ...details, contentType: response.headers['content-type'] },
            });
          }
          const owned = lease;
          lease = undefined; // the caller owns it now
          return {
            bytes,
            mime: video,
            finalUrl: url.href,
            redirects,
            elapsedMs: performance.now() - started,
            release: owned ? () => owned.release() : () => {},
          };
        }
        const mime = sniffImageType(bytes);
        if (mime === undefined || !this.allowedTypes.has(mime)) {
          throw new IntegrityError('IW_IMAGE_UNSUPPORTED', 'image bytes are not an accepted type', {
            details: { ...details, sniffed: mime ?? null, contentType: response.headers['content-type'] },
          });
        }
        const owned = lease;
        const release = owned ? () => owned.release() : () => {};
        lease = undefined; // the caller owns it now
        return {
          bytes,
          mime,
          finalUrl: url.href,
          redirects,
          elapsedMs: performance.now() - started,
          release,
        };
      }
    } catch (error) {
      lease?.release();
      if (signal?.aborted) throw signal.reason;
      const details = { host: url?.hostname, redirects };
      if (deadline.signal.aborted) {
        throw new IntegrityError('IW_FETCH_TIMEOUT', 'image fetch total deadline passed', {
          cause: error,
          details: {
            ...details,
            phase: 'total',
            timeoutMs,
            ...(timeoutMs < this.options.totalTimeoutMs && { limitedBy: 'retry-budget' }),
          },
        });
      }
      const mapped = mapFetchError(error, details);
      // A video over the byte cap says so in its own code (the body reader speaks of images).
      if (this.options.media === 'video' && mapped.code === 'IW_IMAGE_TOO_LARGE') {
        throw new IntegrityError('IW_VIDEO_TOO_LARGE', 'video exceeds the byte cap', {
          cause: mapped,
          details: mapped.details ?? {},
        });
      }
      throw mapped;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.agent.close();
  }

  private request(url: URL, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    return this.agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      signal,
      headers: {
        'user-agent': this.options.userAgent,
        accept:
          this.options.media === 'video'
            ? 'video/mp4,video/webm,video/quicktime,video/*;q=0.8'
            : 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8',
        // The sniffer must see the image bytes themselves, not a gzip stream of them.
        'accept-encoding': 'identity',
      },
    });
  }

  /**
   * Checks status and Content-Length, then reads the body under the byte cap, covered by a lease of
   * the body budget (the declared length up front, else grown as the bytes arrive). On failure the
   * lease is released here; on success the caller owns it.
   */
  private async readImage(
    response: Dispatcher.ResponseData,
    details: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<{ bytes: Buffer; lease?: Lease }> {
    const { statusCode, headers, body } = response;
    if (!IMAGE_STATUSES.has(statusCode)) {
      discardBody(body);
      throw statusError(statusCode, headers, details);
    }
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > this.options.maxBytes) {
      discardBody(body);
      throw new IntegrityError('IW_IMAGE_TOO_LARGE', 'image Content-Length exceeds the byte cap', {
        details: { ...details, contentLength: declared, maxBytes: this.options.maxBytes },
      });
    }
    const budget = this.options.bodyBudget;
    if (!budget) return { bytes: await readCappedBody(body, this.options.maxBytes, details) };
    const declaredBytes = Number.isFinite(declared) && declared >= 0 ? declared : undefined;
    let lease: Lease;
    try {
      lease = await budget.acquire(declaredBytes ?? 0, signal);
    } catch (error) {
      discardBody(body);
      throw error;
    }
    try {
      const bytes = await readCappedBody(body, this.options.maxBytes, details, {
        lease,
        signal,
        ...(declaredBytes !== undefined && { declaredBytes }),
      });
      return { bytes, lease };
    } catch (error) {
      lease.release();
      throw error;
    }
  }
}
