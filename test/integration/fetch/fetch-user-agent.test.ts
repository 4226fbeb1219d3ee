import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_USER_AGENT } from '../../../src/config/env-variables.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { imageFetcherFromConfig } from '../../../src/fetch/fetcher-from-config.js';
import { startHarness } from './fetch-harness.js';
import type { Harness } from './fetch-harness.js';

let h: Harness;
beforeAll(async () => void (h = await startHarness()));
afterAll(() => h.close());

// A fetcher that names itself can be served a clean image while users get another (cloaking).
describe('UndiciImageFetcher: the User-Agent a server sees', () => {
  it('sends a browser-like User-Agent by default, on the request and on every redirect hop', async () => {
    const { fetcher } = h.fetcher();
    await fetcher.fetch(h.server.url('/redirect/2/tiny.png'));
    const seen = ['/redirect/2/tiny.png', '/redirect/1/tiny.png', '/redirect/0/tiny.png'].flatMap((p) =>
      h.server.userAgents(p),
    );
    expect(seen).toEqual([BROWSER_USER_AGENT, BROWSER_USER_AGENT, BROWSER_USER_AGENT]);
    expect(BROWSER_USER_AGENT).toMatch(/^Mozilla\/5\.0 \(.+\) AppleWebKit\/[\d.]+ .*Safari\/[\d.]+$/);
    expect(BROWSER_USER_AGENT).not.toMatch(/integrity|worker|fetcher|bot|scan/i);
  });

  it('sends FETCH_USER_AGENT when configured', async () => {
    const config = loadConfig({
      FETCH_ALLOWED_HOSTS: '127.0.0.1',
      FETCH_ALLOW_PRIVATE: '127.0.0.1',
      FETCH_USER_AGENT: 'Mozilla/5.0 (Macintosh) Safari/605.1.15',
    });
    const fetcher = imageFetcherFromConfig(config);
    try {
      await fetcher.fetch(h.server.url('/images/tiny.jpg'));
    } finally {
      await fetcher.close();
    }
    expect(h.server.userAgents('/images/tiny.jpg')).toEqual(['Mozilla/5.0 (Macintosh) Safari/605.1.15']);
  });

  it('refuses a User-Agent that could inject a header, at start', () => {
    expect(() => loadConfig({ FETCH_USER_AGENT: 'x\r\nx-evil: 1' })).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
    expect(() => h.fetcher({ userAgent: 'a\nb' })).toThrow(RangeError);
  });
});
