import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startImageServer } from '../../support/image-server.js';
import { rejection, startHarness, tableLookup } from './fetch-harness.js';
import type { Harness } from './fetch-harness.js';

// Every test here also proves that the refused URL never reached a socket: the harness's connector
// records every attempt and can only ever reach loopback.
let h: Harness;
beforeAll(async () => void (h = await startHarness()));
afterAll(() => h.close());

describe('UndiciImageFetcher: URLs it refuses before connecting', () => {
  it.each([
    ['ftp scheme', (port: number) => `ftp://127.0.0.1:${port}/images/tiny.png`],
    ['file scheme', () => 'file:///etc/passwd'],
    ['credentials', (port: number) => `http://user:secret@127.0.0.1:${port}/images/tiny.png`],
    ['garbage', () => 'http://exa mple.com/x.png'],
  ])('IW_FETCH_BAD_URL: %s', async (_name, url) => {
    const { fetcher, connects } = h.fetcher();
    const connectionsBefore = h.server.connections();
    expect((await rejection(fetcher.fetch(url(h.server.port)))).code).toBe('IW_FETCH_BAD_URL');
    expect(connects).toEqual([]);
    expect(h.server.connections()).toBe(connectionsBefore);
  });

  it('IW_FETCH_HOST_REFUSED: a host not in the allowlist', async () => {
    const { fetcher, connects, lookups } = h.fetcher({ allowedHosts: ['img.test'] });
    const error = await rejection(fetcher.fetch(`http://localhost:${h.server.port}/images/tiny.png`));
    expect(error).toMatchObject({ code: 'IW_FETCH_HOST_REFUSED', details: { host: 'localhost' } });
    expect(lookups).toEqual([]);
    expect(connects).toEqual([]);
    expect(h.server.hits('/images/tiny.png?refused')).toBe(0);
  });

  it.each([
    ['evil-private.test', '10.0.0.1'],
    ['evil-metadata.test', '169.254.169.254'],
    ['evil-lan.test', '192.168.1.1'],
  ])('IW_FETCH_ADDRESS_REFUSED: %s resolving to %s, no connection attempted', async (host, address) => {
    const { fetcher, connects, violations, lookups } = h.fetcher();
    const error = await rejection(fetcher.fetch(`http://${host}/latest/meta-data/`));
    expect(error).toMatchObject({
      code: 'IW_FETCH_ADDRESS_REFUSED',
      retriable: false,
      details: { host, address },
    });
    expect(lookups).toEqual([host]);
    expect(connects).toEqual([]);
    expect(violations).toEqual([]);
  });

  it.each(['10.0.0.1', '169.254.169.254', '[::ffff:169.254.169.254]', '2852039166'])(
    'IW_FETCH_ADDRESS_REFUSED: IP literal %s, no DNS and no connection',
    async (literal) => {
      const { fetcher, connects, lookups } = h.fetcher({ allowedHosts: ['*'] });
      expect((await rejection(fetcher.fetch(`http://${literal}/x.png`))).code).toBe(
        'IW_FETCH_ADDRESS_REFUSED',
      );
      expect(lookups).toEqual([]);
      expect(connects).toEqual([]);
    },
  );

  it('refuses 127.0.0.1 (and its IPv6-mapped form) unless allowPrivateAddresses allows it', async () => {
    const { fetcher, connects } = h.fetcher({ allowPrivateAddresses: [] });
    const before = h.server.hits('/images/tiny.png');
    const connectionsBefore = h.server.connections();
    for (const url of [
      h.server.url('/images/tiny.png'),
      `http://img.test:${h.server.port}/images/tiny.png`,
      `http://evil-mapped.test:${h.server.port}/images/tiny.png`,
    ]) {
      expect((await rejection(fetcher.fetch(url))).code).toBe('IW_FETCH_ADDRESS_REFUSED');
    }
    expect(connects).toEqual([]);
    expect(h.server.hits('/images/tiny.png')).toBe(before);
    expect(h.server.connections()).toBe(connectionsBefore);
  });

  it('re-checks every redirect hop: refused address, refused host, bad scheme', async () => {
    const { fetcher, connects, violations } = h.fetcher({
      allowedHosts: ['127.0.0.1', 'evil-metadata.test', '10.0.0.1'],
    });
    const cases = [
      ['http://evil-metadata.test/latest/meta-data/', 'IW_FETCH_ADDRESS_REFUSED'],
      ['http://10.0.0.1/', 'IW_FETCH_ADDRESS_REFUSED'],
      ['http://not-allowed.test/x.png', 'IW_FETCH_HOST_REFUSED'],
      ['file:///etc/passwd', 'IW_FETCH_BAD_URL'],
    ] as const;
    for (const [location, code] of cases) {
      const error = await rejection(
        fetcher.fetch(h.server.url(`/redirect-to?location=${encodeURIComponent(location)}`)),
      );
      expect(error).toMatchObject({ code, details: { redirects: 1 } });
    }
    expect(h.server.hits('/redirect-to')).toBeGreaterThanOrEqual(cases.length);
    expect(connects.every((address) => address === '127.0.0.1')).toBe(true);
    expect(violations).toEqual([]);
  });

  it('refuses a host that rebinds to a refused address on its next connection', async () => {
    const other = await startImageServer({ files: h.images });
    try {
      let answers = 0;
      const dns = tableLookup({ 'rebind.test': () => (answers++ === 0 ? '127.0.0.1' : '10.0.0.1') });
      const { fetcher, connects, violations } = h.fetcher({
        allowedHosts: ['rebind.test'],
        lookup: dns.resolve,
      });
      expect((await fetcher.fetch(`http://rebind.test:${h.server.port}/images/tiny.png`)).mime).toBe(
        'image/png',
      );
      // A second origin forces a second connection, hence a second resolution.
      const error = await rejection(fetcher.fetch(`http://rebind.test:${other.port}/images/tiny.png`));
      expect(error).toMatchObject({ code: 'IW_FETCH_ADDRESS_REFUSED', details: { address: '10.0.0.1' } });
      expect(dns.lookups).toEqual(['rebind.test', 'rebind.test']);
      expect(connects).toEqual(['127.0.0.1']);
      expect(violations).toEqual([]);
      expect(other.connections()).toBe(0);
    } finally {
      await other.close();
    }
  });
});
