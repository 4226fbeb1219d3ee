import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciImageFetcher } from '../../../src/fetch/undici-image-fetcher.js';
import { startHarness } from './fetch-harness.js';
import type { Harness } from './fetch-harness.js';

let h: Harness;
beforeAll(async () => void (h = await startHarness()));
afterAll(() => h.close());

describe('UndiciImageFetcher: images it accepts', () => {
  it('fetches a PNG and a JPEG by host name, sniffing their type', async () => {
    const { fetcher, connects, violations } = h.fetcher();
    const png = await fetcher.fetch(`http://img.test:${h.server.port}/images/tiny.png`);
    expect(png).toMatchObject({
      mime: 'image/png',
      redirects: 0,
      finalUrl: `http://img.test:${h.server.port}/images/tiny.png`,
    });
    expect(png.bytes.equals(h.images['tiny.png']!)).toBe(true);
    expect(png.elapsedMs).toBeGreaterThan(0);
    const jpeg = await fetcher.fetch(`http://img.test:${h.server.port}/images/tiny.jpg`);
    expect(jpeg.mime).toBe('image/jpeg');
    expect(jpeg.bytes.equals(h.images['tiny.jpg']!)).toBe(true);
    expect(connects.every((address) => address === '127.0.0.1')).toBe(true);
    expect(violations).toEqual([]);
  });

  it('ignores a lying Content-Type when the bytes are an image', async () => {
    const { fetcher } = h.fetcher();
    const image = await fetcher.fetch(h.server.url(`/typed/${encodeURIComponent('text/html')}/tiny.png`));
    expect(image.mime).toBe('image/png');
  });

  it('resolves and validates once per connection, and reuses kept-alive connections', async () => {
    const { fetcher, lookups, connects } = h.fetcher();
    for (let i = 0; i < 5; i++) await fetcher.fetch(`http://img.test:${h.server.port}/images/tiny.png`);
    // undici's pool may open a second connection while the first is being released; never one per fetch.
    expect(connects.length).toBeLessThan(5);
    expect(lookups).toEqual(connects.map(() => 'img.test'));
    expect(new Set(connects)).toEqual(new Set(['127.0.0.1']));
  });

  it.each(['relative', 'absolute', 'dot'])('follows a chain of %s redirects up to the cap', async (form) => {
    const { fetcher } = h.fetcher({ maxRedirects: 3 });
    const image = await fetcher.fetch(h.server.url(`/redirect/3/tiny.png?form=${form}`));
    expect(image.redirects).toBe(3);
    expect(image.mime).toBe('image/png');
    expect(new URL(image.finalUrl).pathname).toBe('/redirect/0/tiny.png');
  });

  it('follows a redirect to another allowed host, re-resolving it', async () => {
    const { fetcher, lookups } = h.fetcher();
    const target = `http://cdn.img.test:${h.server.port}/images/tiny.jpg`;
    const image = await fetcher.fetch(
      h.server.url(`/redirect-to?status=301&location=${encodeURIComponent(target)}`),
    );
    expect(image).toMatchObject({ finalUrl: target, redirects: 1, mime: 'image/jpeg' });
    expect(lookups).toEqual(['cdn.img.test']);
  });

  it('accepts a body exactly at the byte cap', async () => {
    const { fetcher } = h.fetcher({ maxBytes: h.images['tiny.png']!.length });
    expect((await fetcher.fetch(h.server.url('/images/tiny.png'))).mime).toBe('image/png');
  });

  it('works with the default connector and DNS (127.0.0.1 literal only)', async () => {
    const fetcher = new UndiciImageFetcher({
      allowedHosts: ['127.0.0.1'],
      allowPrivateAddresses: ['127.0.0.1'],
    });
    try {
      const image = await fetcher.fetch(h.server.url('/images/tiny.png'));
      expect(image.mime).toBe('image/png');
    } finally {
      await fetcher.close();
    }
  });
});
