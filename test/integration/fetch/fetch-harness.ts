import sharp from 'sharp';
import type { HostResolver } from '../../../src/fetch/guarded-connector.js';
import { UndiciImageFetcher } from '../../../src/fetch/undici-image-fetcher.js';
import type { UndiciImageFetcherOptions } from '../../../src/fetch/undici-image-fetcher.js';
import { startImageServer } from '../../support/image-server.js';
import type { ImageServer } from '../../support/image-server.js';
import { loopbackOnlyConnector } from '../../support/loopback-only-connector.js';

/** Test images generated here, so that these tests never depend on photos in test/fixtures. */
export async function testImages(): Promise<Record<string, Buffer>> {
  const pixel = () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a7' } });
  return {
    'tiny.png': await pixel().png().toBuffer(),
    'tiny.jpg': await pixel().jpeg().toBuffer(),
    'evil.svg': Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg"><image href="http://169.254.169.254/"/></svg>',
    ),
    'page.html': Buffer.from('<!doctype html><html><body>hello</body></html>'),
  };
}

/** A lookup answering from a table (never real DNS), recording every name it was asked. */
export function tableLookup(table: Record<string, string | string[] | (() => string)>) {
  const lookups: string[] = [];
  const resolve: HostResolver = async (host) => {
    lookups.push(host);
    const entry = table[host];
    if (entry === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    const addresses = typeof entry === 'function' ? [entry()] : Array.isArray(entry) ? entry : [entry];
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, lookups };
}

export interface Harness {
  server: ImageServer;
  images: Record<string, Buffer>;
  /** A fetcher wired to the loopback-only connector; closed by `close()`. */
  fetcher(options?: Partial<UndiciImageFetcherOptions>): {
    fetcher: UndiciImageFetcher;
    connects: string[];
    violations: string[];
    lookups: string[];
  };
  close(): Promise<void>;
}

/**
 * The image server plus fetchers that may only reach it: `img.test` and `cdn.img.test` resolve to
 * 127.0.0.1, `evil-*.test` to refused addresses (never connected to: the connector would refuse).
 */
export async function startHarness(): Promise<Harness> {
  const images = await testImages();
  const server = await startImageServer({ files: images });
  const fetchers: UndiciImageFetcher[] = [];
  return {
    server,
    images,
    fetcher(options = {}) {
      const guard = loopbackOnlyConnector();
      const dns = tableLookup({
        'img.test': '127.0.0.1',
        'cdn.img.test': '127.0.0.1',
        'evil-private.test': '10.0.0.1',
        'evil-metadata.test': '169.254.169.254',
        'evil-lan.test': '192.168.1.1',
        'evil-mapped.test': '::ffff:127.0.0.1',
      });
      const fetcher = new UndiciImageFetcher({
        allowedHosts: [
          'img.test',
          '*.img.test',
          '127.0.0.1',
          'evil-private.test',
          'evil-metadata.test',
          'evil-lan.test',
          'evil-mapped.test',
        ],
        allowPrivateAddresses: ['127.0.0.1'],
        totalTimeoutMs: 5000,
        lookup: dns.resolve,
        connector: guard.connect,
        ...options,
      });
      fetchers.push(fetcher);
      return { fetcher, connects: guard.attempts, violations: guard.violations, lookups: dns.lookups };
    },
    async close() {
      await Promise.all(fetchers.map((f) => f.close()));
      await server.close();
    },
  };
}

/** The rejection of a promise that must reject (fails the test if it resolves). */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: string; details?: Record<string, unknown>; retriable?: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected a rejection, got a result');
}
