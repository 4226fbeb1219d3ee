/**
 * The media of pins given to `integrity-worker classify`: a local file, or a URL downloaded by the
 * worker's own guarded fetchers (`FETCH_*` apply; videos with `VIDEO_MAX_BYTES` and
 * `VIDEO_FETCH_TIMEOUT_MS`). Each fetcher is made on first use, so a run without URLs opens none.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/load-config.js';
import { contentOf, type Content } from '../content/content.js';
import { VideoContentSource } from '../content/video-content.js';
import { IntegrityError } from '../errors.js';
import type { ImageFetcher } from '../fetch/image-fetcher.js';
import type { PinLine } from './classify-input.js';

const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

export class PinMediaReader {
  private imageFetcher: Promise<ImageFetcher> | undefined;
  private videoFetcher: Promise<ImageFetcher> | undefined;
  private videos: VideoContentSource | undefined;

  constructor(private readonly config: Config) {}

  /** Image bytes: a file's, or a URL's through the worker's image fetcher (checked as an image). */
  async image(source: string): Promise<Buffer> {
    if (isUrl(source)) {
      this.imageFetcher ??= import('../fetch/fetcher-from-config.js').then((m) =>
        m.imageFetcherFromConfig(this.config),
      );
      return (await (await this.imageFetcher).fetch(source)).bytes;
    }
    return readMediaFile(source, 'image');
  }

  /**
   * A pin's video content. A URL is the worker's `VideoContentSource` over its video fetcher: the
   * bytes are downloaded when the signal runner loads them (its `fetch` stage), so a refused or
   * oversized video fails there with the worker's code. A file's bytes are read now (a missing file
   * is IW_INPUT_INVALID); either way the frame sampler sniffs, probes and samples them as in the worker.
   */
  async video(source: string): Promise<Content<Buffer>> {
    if (!isUrl(source)) return contentOf('video', await readMediaFile(source, 'video'));
    this.videoFetcher ??= import('../fetch/fetcher-from-config.js').then((m) =>
      m.videoFetcherFromConfig(this.config),
    );
    this.videos ??= new VideoContentSource(await this.videoFetcher);
    return this.videos.forPin({ url: source });
  }

  async close(): Promise<void> {
    for (const fetcher of [this.imageFetcher, this.videoFetcher]) if (fetcher) await (await fetcher).close();
  }
}

async function readMediaFile(source: string, kind: 'image' | 'video'): Promise<Buffer> {
  try {
    return await readFile(source);
  } catch (cause) {
    throw new IntegrityError('IW_INPUT_INVALID', `cannot read ${kind} file ${source}`, { cause });
  }
}

/**
 * The video content of `--input` lines. As in the worker (`PinContentExtractor` without a video
 * source), a pin's video is not content when no declared signal reads videos: `stderr` is told once,
 * and a line whose only content is a video is IW_INPUT_INVALID (nothing would score it).
 */
export function lineVideos(
  readsVideos: boolean,
  media: Pick<PinMediaReader, 'video'>,
  stderr: Pick<NodeJS.WritableStream, 'write'>,
): (pin: PinLine) => Promise<Content<Buffer> | null> {
  let told = false;
  return async (pin) => {
    if (!pin.video) return null;
    if (readsVideos) return media.video(pin.video);
    if (!pin.image && !pin.title && !pin.description && !pin.link)
      throw new IntegrityError(
        'IW_INPUT_INVALID',
        'the pin has only a video and no declared signal reads videos (add video.safety=<model> to SIGNALS)',
      );
    if (!told)
      stderr.write(
        'classify: no declared signal reads videos (SIGNALS has no video.safety): pin videos are not scored, as in the worker\n',
      );
    told = true;
    return null;
  };
}
