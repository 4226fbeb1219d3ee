import type { ImageFetcher } from '../fetch/image-fetcher.js';
import type { Content, PinVideoRef, VideoContents } from './content.js';
import { ImageContentSource } from './image-content.js';

/**
 * Video content: the bytes downloaded by the guarded fetcher in its `video` mode (same host, address,
 * redirect, deadline and budget guards as images; `VIDEO_MAX_BYTES`), at most once per pin. The
 * content key is always the sha256 of the bytes (an upstream video signature is not used as a key), so
 * a re-pinned video is downloaded but never decoded twice: its frames' scores are cached under it.
 */
export class VideoContentSource implements VideoContents {
  private readonly bytes: ImageContentSource;

  /** `fetcher`: a fetcher built with `media: 'video'`. */
  constructor(fetcher: ImageFetcher) {
    this.bytes = new ImageContentSource(fetcher, { signatures: 'hash' });
  }

  forPin(video: PinVideoRef): Content<Buffer> {
    return { ...this.bytes.forPin({ url: video.url, signature: null }), kind: 'video' };
  }
}
