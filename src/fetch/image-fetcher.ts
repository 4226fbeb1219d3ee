import type { ImageMimeType } from './sniff-image-type.js';
import type { VideoMimeType } from '../preprocess/sniff-video-type.js';

/** An image downloaded in full and checked: its bytes are a real image of an accepted type. */
export interface FetchedImage {
  readonly bytes: Buffer;
  /** Sniffed from the bytes; the server's Content-Type is ignored (a video type for a `video` fetcher). */
  readonly mime: ImageMimeType | VideoMimeType;
  /** The URL the bytes came from, after redirects. */
  readonly finalUrl: string;
  /** Redirects followed to reach `finalUrl`. */
  readonly redirects: number;
  /** Wall time of the whole fetch, redirects included, in ms. */
  readonly elapsedMs: number;
  /**
   * Returns the bytes' share of the fetcher's body budget: call it as soon as the bytes are no longer
   * needed (after decoding, or when the scores came from the cache). Idempotent.
   */
  release(): void;
}

export interface FetchOptions {
  /** Stops the fetch; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * This attempt's own deadline, in ms: the fetch ends at the earlier of it and the fetcher's total
   * timeout (`IW_FETCH_TIMEOUT`). The caller passes what is left of the pin's retry budget.
   */
  readonly timeoutMs?: number;
}

/**
 * Downloads images named by user-supplied URLs without letting those URLs reach anything they must not.
 *
 * `fetch` resolves with a {@link FetchedImage} or rejects with an `IntegrityError` whose code says
 * why, and whose `retriable` flag says whether trying again later can help:
 *
 * | code | retriable | meaning |
 * |---|---|---|
 * | IW_FETCH_BAD_URL | no | malformed, not http(s), or carries credentials |
 * | IW_FETCH_HOST_REFUSED | no | host not in the allowlist (also for a redirect target) |
 * | IW_FETCH_ADDRESS_REFUSED | no | the host is, or resolves to, a refused address; nothing was sent |
 * | IW_FETCH_HTTP_STATUS | no | 4xx other than 429, or a 1xx/2xx/3xx that is not an image or redirect |
 * | IW_FETCH_HTTP_5XX | yes | 5xx or 429 (`details.retryAfterMs` when the server said) |
 * | IW_FETCH_TIMEOUT | yes | connect (DNS included) or total deadline passed |
 * | IW_FETCH_NETWORK | yes* | connection refused/reset/closed; *not retriable for an unknown host (ENOTFOUND) |
 * | IW_FETCH_TOO_MANY_REDIRECTS | no | more redirects than allowed (loops end here too) |
 * | IW_IMAGE_TOO_LARGE | no | Content-Length or the bytes read exceed the cap |
 * | IW_IMAGE_UNSUPPORTED | no | the bytes are not an accepted image type, whatever Content-Type says |
 *
 * When the caller's `signal` aborts, the promise rejects with `signal.reason` (not an IntegrityError):
 * the caller chose to stop and already knows why. Waiting for room in the body budget or for a
 * connection to a busy host counts against the same deadline.
 */
export interface ImageFetcher {
  fetch(url: string, options?: FetchOptions): Promise<FetchedImage>;
  /** Closes pooled connections; fetches after `close` fail. */
  close(): Promise<void>;
}
