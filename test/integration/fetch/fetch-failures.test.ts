import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isIntegrityError } from '../../../src/errors.js';
import { retry } from '../../../src/fetch/retry.js';
import { rejection, startHarness } from './fetch-harness.js';
import type { Harness } from './fetch-harness.js';

let h: Harness;
beforeAll(async () => void (h = await startHarness()));
afterAll(() => h.close());

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

describe('UndiciImageFetcher: HTTP statuses', () => {
  it.each([
    [404, 'IW_FETCH_HTTP_STATUS', false],
    [403, 'IW_FETCH_HTTP_STATUS', false],
    [410, 'IW_FETCH_HTTP_STATUS', false],
    [500, 'IW_FETCH_HTTP_5XX', true],
    [503, 'IW_FETCH_HTTP_5XX', true],
    [429, 'IW_FETCH_HTTP_5XX', true],
  ])('%i -> %s', async (status, code, retriable) => {
    const { fetcher } = h.fetcher();
    const error = await rejection(fetcher.fetch(h.server.url(`/status/${status}?retryAfter=2`)));
    expect(error).toMatchObject({ code, retriable, details: { status, host: '127.0.0.1' } });
    if (retriable) expect(error.details).toMatchObject({ retryAfterMs: 2000 });
  });

  it('a 302 without Location is a permanent status error', async () => {
    const { fetcher } = h.fetcher();
    expect(await rejection(fetcher.fetch(h.server.url('/no-location')))).toMatchObject({
      code: 'IW_FETCH_HTTP_STATUS',
      details: { status: 302 },
    });
  });

  it('503 twice then 200: retry() with the retriable flag gets the image on the third attempt', async () => {
    const { fetcher } = h.fetcher();
    const url = h.server.url('/flaky/503/2/tiny.png');
    const sleeps: number[] = [];
    const image = await retry(() => fetcher.fetch(url), {
      attempts: 5,
      baseDelayMs: 50,
      maxDelayMs: 500,
      budgetMs: 10_000,
      isRetriable: (e) => isIntegrityError(e) && e.retriable,
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(image.mime).toBe('image/png');
    expect(h.server.hits('/flaky/503/2/tiny.png')).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('retry() gives up on a 404 at once, with details.attempts', async () => {
    const { fetcher } = h.fetcher();
    const error = await rejection(
      retry(() => fetcher.fetch(h.server.url('/flaky/404/9/tiny.png')), {
        attempts: 5,
        baseDelayMs: 50,
        maxDelayMs: 500,
        budgetMs: 10_000,
        isRetriable: (e) => isIntegrityError(e) && e.retriable,
        sleep: async () => {},
      }),
    );
    expect(error).toMatchObject({ code: 'IW_FETCH_HTTP_STATUS', details: { status: 404, attempts: 1 } });
    expect(h.server.hits('/flaky/404/9/tiny.png')).toBe(1);
  });
});

describe('UndiciImageFetcher: transport failures and deadlines', () => {
  it('IW_FETCH_NETWORK when the connection is refused', async () => {
    const { fetcher } = h.fetcher();
    const error = await rejection(fetcher.fetch(`http://127.0.0.1:${await closedPort()}/x.png`));
    expect(error).toMatchObject({
      code: 'IW_FETCH_NETWORK',
      retriable: true,
      details: { errorCode: 'ECONNREFUSED' },
    });
  });

  it('IW_FETCH_NETWORK when the server resets the connection', async () => {
    const { fetcher } = h.fetcher();
    expect(await rejection(fetcher.fetch(h.server.url('/reset')))).toMatchObject({
      code: 'IW_FETCH_NETWORK',
      retriable: true,
    });
  });

  it('IW_FETCH_NETWORK, not retriable, when the host does not exist', async () => {
    const { fetcher } = h.fetcher({ allowedHosts: ['missing.test'] });
    expect(await rejection(fetcher.fetch('http://missing.test/x.png'))).toMatchObject({
      code: 'IW_FETCH_NETWORK',
      retriable: false,
      details: { errorCode: 'ENOTFOUND' },
    });
  });

  it('IW_FETCH_TIMEOUT (connect) when DNS does not answer', async () => {
    const { fetcher, connects } = h.fetcher({
      allowedHosts: ['slow-dns.test'],
      lookup: () => new Promise(() => {}),
      connectTimeoutMs: 200,
    });
    expect(await rejection(fetcher.fetch('http://slow-dns.test/x.png'))).toMatchObject({
      code: 'IW_FETCH_TIMEOUT',
      retriable: true,
      details: { phase: 'connect' },
    });
    expect(connects).toEqual([]);
  });

  it('IW_FETCH_TIMEOUT (total) when headers are slow', async () => {
    const { fetcher } = h.fetcher({ totalTimeoutMs: 300 });
    expect(await rejection(fetcher.fetch(h.server.url('/slow-headers/30000/tiny.png')))).toMatchObject({
      code: 'IW_FETCH_TIMEOUT',
      details: { phase: 'total' },
    });
  });

  it('IW_FETCH_TIMEOUT (total) when the body trickles, although every chunk is on time', async () => {
    const { fetcher } = h.fetcher({ totalTimeoutMs: 300 });
    expect(await rejection(fetcher.fetch(h.server.url('/trickle/50/tiny.png')))).toMatchObject({
      code: 'IW_FETCH_TIMEOUT',
      details: { phase: 'total' },
    });
  });

  it("rejects with the caller's abort reason, not an IntegrityError", async () => {
    const { fetcher } = h.fetcher();
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const pending = fetcher.fetch(h.server.url('/slow-headers/30000/tiny.png'), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
    const aborted = AbortSignal.abort(reason);
    await expect(fetcher.fetch(h.server.url('/images/tiny.png'), { signal: aborted })).rejects.toBe(reason);
  });
});

describe('UndiciImageFetcher: size, type and redirect caps', () => {
  it('IW_IMAGE_TOO_LARGE from Content-Length, without reading the body', async () => {
    // The route sends 64 bytes and then nothing: a fetcher that read the body would time out instead.
    const { fetcher } = h.fetcher({ maxBytes: 1000 });
    expect(await rejection(fetcher.fetch(h.server.url('/declared-length/5000000/tiny.png')))).toMatchObject({
      code: 'IW_IMAGE_TOO_LARGE',
      retriable: false,
      details: { contentLength: 5_000_000, maxBytes: 1000 },
    });
  });

  it('IW_IMAGE_TOO_LARGE while streaming an endless chunked body, as soon as the cap is crossed', async () => {
    // The body never ends: only stopping at the cap makes this pass before the 5 s total deadline.
    const { fetcher } = h.fetcher({ maxBytes: 100_000 });
    const error = await rejection(fetcher.fetch(h.server.url('/endless/tiny.png')));
    expect(error).toMatchObject({ code: 'IW_IMAGE_TOO_LARGE', details: { maxBytes: 100_000 } });
    // Stopped within one network chunk (64 KiB at most) of the cap.
    expect(error.details!.bytesRead).toBeGreaterThan(100_000);
    expect(error.details!.bytesRead).toBeLessThanOrEqual(100_000 + 64 * 1024);
  });

  it('IW_IMAGE_TOO_LARGE one byte over the cap', async () => {
    const { fetcher } = h.fetcher({ maxBytes: h.images['tiny.png']!.length - 1 });
    expect((await rejection(fetcher.fetch(h.server.url('/images/tiny.png')))).code).toBe(
      'IW_IMAGE_TOO_LARGE',
    );
  });

  it.each([
    ['SVG claiming to be PNG', `/typed/${encodeURIComponent('image/png')}/evil.svg`],
    ['SVG as itself', '/images/evil.svg'],
    ['HTML claiming to be JPEG', `/typed/${encodeURIComponent('image/jpeg')}/page.html`],
  ])('IW_IMAGE_UNSUPPORTED: %s', async (_name, path) => {
    const { fetcher } = h.fetcher();
    expect(await rejection(fetcher.fetch(h.server.url(path)))).toMatchObject({
      code: 'IW_IMAGE_UNSUPPORTED',
      retriable: false,
      details: { sniffed: null },
    });
  });

  it('IW_IMAGE_UNSUPPORTED for a real image of a type not in allowedTypes', async () => {
    const { fetcher } = h.fetcher({ allowedTypes: ['image/jpeg'] });
    expect(await rejection(fetcher.fetch(h.server.url('/images/tiny.png')))).toMatchObject({
      code: 'IW_IMAGE_UNSUPPORTED',
      details: { sniffed: 'image/png' },
    });
  });

  it('IW_FETCH_TOO_MANY_REDIRECTS one hop past the cap, without requesting that hop', async () => {
    const { fetcher } = h.fetcher({ maxRedirects: 3 });
    const error = await rejection(fetcher.fetch(h.server.url('/redirect/4/tiny.png?form=absolute')));
    expect(error).toMatchObject({
      code: 'IW_FETCH_TOO_MANY_REDIRECTS',
      retriable: false,
      details: { redirects: 3 },
    });
    expect(h.server.hits('/redirect/0/tiny.png')).toBe(0);
  });

  it('IW_FETCH_TOO_MANY_REDIRECTS for a loop and for any redirect when maxRedirects is 0', async () => {
    expect((await rejection(h.fetcher().fetcher.fetch(h.server.url('/loop/a')))).code).toBe(
      'IW_FETCH_TOO_MANY_REDIRECTS',
    );
    const none = h.fetcher({ maxRedirects: 0 }).fetcher;
    expect((await rejection(none.fetch(h.server.url('/redirect/1/tiny.png')))).code).toBe(
      'IW_FETCH_TOO_MANY_REDIRECTS',
    );
  });
});
