import type { ImageFetcher } from '../fetch/image-fetcher.js';
import type { StageRunner } from '../stage-runner.js';
import type { Content, ImageContents, LoadedContent, PinImageRef } from './content.js';
import { sha256Key, signatureKey } from './content-key.js';

/**
 * Whose word `image.signature` is: the pin service's (upstream), not ours. `trust` (the default) uses
 * it as a content alias, so a re-pin whose signature is cached skips the download; `hash` never uses
 * it as a key and always downloads and hashes the bytes.
 */
export type SignatureMode = 'trust' | 'hash';

export interface ImageContentOptions {
  readonly signatures: SignatureMode;
  /** Told about every `sha256:<hex>` signature checked against downloaded bytes. */
  readonly onSignatureCheck?: (result: 'match' | 'mismatch') => void;
}

const SHA256_SIGNATURE = /^sha256:[0-9a-fA-F]{64}$/;

type Fetched = Omit<LoadedContent<Buffer>, 'shared'> & { readonly release: () => void };

/**
 * Image content: downloaded by the guarded fetcher in the `fetch` stage, at most once per pin, and
 * once for concurrent pins carrying the same trusted signature (single flight; a failure is shared by
 * every pin waiting on it). The bytes' sha256 is their own key. A signature that looks like
 * `sha256:<hex>` is checked against the bytes whenever they are downloaded; a mismatching one is
 * counted and never used as a key for these bytes.
 */
export class ImageContentSource implements ImageContents {
  private readonly flights = new Map<string, Promise<Fetched>>();

  constructor(
    private readonly fetcher: ImageFetcher,
    private readonly options: ImageContentOptions = { signatures: 'trust' },
  ) {}

  forPin(image: PinImageRef): Content<Buffer> {
    const alias =
      this.options.signatures === 'trust' && image.signature ? signatureKey(image.signature) : null;
    let loading: Promise<LoadedContent<Buffer> & { readonly release: () => void }> | undefined;
    let loadedKey: string | null = null;
    return {
      kind: 'image',
      upfrontKey: alias,
      upfrontIsOwnKey: false,
      load: (stages) =>
        (loading ??= this.load(image, alias, stages).then((loaded) => {
          loadedKey = loaded.key;
          return loaded;
        })),
      loadedKey: () => loadedKey,
      release: () =>
        void loading?.then(
          (loaded) => loaded.release(),
          () => undefined,
        ),
    };
  }

  private async load(image: PinImageRef, alias: string | null, stages: StageRunner) {
    if (alias === null) return { ...(await this.fetchAndHash(image, stages)), shared: false };
    const pending = this.flights.get(alias);
    if (pending !== undefined) return { ...(await pending), shared: true };
    const flight = this.fetchAndHash(image, stages);
    this.flights.set(alias, flight);
    try {
      return { ...(await flight), shared: false };
    } finally {
      this.flights.delete(alias);
    }
  }

  private async fetchAndHash(image: PinImageRef, stages: StageRunner): Promise<Fetched> {
    // The fetch ends within what is left of the pin's retry budget, not only its own timeout.
    const fetched = await stages.run('fetch', ({ remainingMs }) =>
      this.fetcher.fetch(image.url, { timeoutMs: remainingMs }),
    );
    const key = sha256Key(fetched.bytes);
    let aliasHolds = true;
    if (image.signature !== null && SHA256_SIGNATURE.test(image.signature)) {
      aliasHolds = image.signature.toLowerCase() === key;
      this.options.onSignatureCheck?.(aliasHolds ? 'match' : 'mismatch');
    }
    return { key, value: fetched.bytes, aliasHolds, release: fetched.release };
  }
}
