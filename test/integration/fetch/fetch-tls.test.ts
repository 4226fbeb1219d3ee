import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciImageFetcher } from '../../../src/fetch/undici-image-fetcher.js';
import type { UndiciImageFetcherOptions } from '../../../src/fetch/undici-image-fetcher.js';
import { startImageServer } from '../../support/image-server.js';
import type { ImageServer } from '../../support/image-server.js';
import { loopbackOnlyConnector } from '../../support/loopback-only-connector.js';
import { rejection, tableLookup, testImages } from './fetch-harness.js';

// The connector connects to the IP it validated, so TLS must still verify the certificate against the
// host name in the URL: this suite proves both halves with a self-signed certificate for img.test.
const tlsDir = new URL('../../fixtures/tls/', import.meta.url);
const cert = readFileSync(new URL('img-test.crt', tlsDir));
const key = readFileSync(new URL('img-test.key', tlsDir));

let server: ImageServer;
const fetchers: UndiciImageFetcher[] = [];
beforeAll(
  async () => void (server = await startImageServer({ files: await testImages(), tls: { key, cert } })),
);
afterAll(async () => {
  await Promise.all(fetchers.map((f) => f.close()));
  await server.close();
});

function tlsFetcher(ca: Buffer | undefined, options: Partial<UndiciImageFetcherOptions> = {}) {
  const guard = loopbackOnlyConnector(2000, ca ? { ca } : {});
  const dns = tableLookup({
    'img.test': '127.0.0.1',
    'cdn.img.test': '127.0.0.1',
    'other.test': '127.0.0.1',
  });
  const fetcher = new UndiciImageFetcher({
    allowedHosts: ['img.test', '*.img.test', 'other.test'],
    allowPrivateAddresses: ['127.0.0.1'],
    lookup: dns.resolve,
    connector: guard.connect,
    ...options,
  });
  fetchers.push(fetcher);
  return { fetcher, connects: guard.attempts };
}

describe('UndiciImageFetcher over HTTPS', () => {
  it('connects to the validated IP and verifies the certificate against the host name', async () => {
    const { fetcher, connects } = tlsFetcher(cert);
    const image = await fetcher.fetch(`https://img.test:${server.port}/images/tiny.png`);
    expect(image.mime).toBe('image/png');
    expect((await fetcher.fetch(`https://cdn.img.test:${server.port}/images/tiny.jpg`)).mime).toBe(
      'image/jpeg',
    );
    expect(new Set(connects)).toEqual(new Set(['127.0.0.1']));
  });

  it('refuses a certificate that does not name the host, permanently', async () => {
    const { fetcher } = tlsFetcher(cert);
    expect(await rejection(fetcher.fetch(`https://other.test:${server.port}/images/tiny.png`))).toMatchObject(
      {
        code: 'IW_FETCH_NETWORK',
        retriable: false,
        details: { errorCode: 'ERR_TLS_CERT_ALTNAME_INVALID' },
      },
    );
  });

  it('refuses a certificate it does not trust, permanently', async () => {
    const { fetcher } = tlsFetcher(undefined);
    expect(await rejection(fetcher.fetch(`https://img.test:${server.port}/images/tiny.png`))).toMatchObject({
      code: 'IW_FETCH_NETWORK',
      retriable: false,
      details: { errorCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    });
  });
});
