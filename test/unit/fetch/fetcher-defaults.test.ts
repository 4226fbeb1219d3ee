import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { resolveFetcherOptions } from '../../../src/fetch/undici-image-fetcher-options.js';

describe('fetch timeouts', () => {
  it('have one set of defaults: the fetcher built without them equals the environment unset', () => {
    const config = loadConfig({});
    const resolved = resolveFetcherOptions({ allowedHosts: ['*'] });
    expect([resolved.connectTimeoutMs, resolved.totalTimeoutMs]).toEqual([
      config.FETCH_CONNECT_TIMEOUT_MS,
      config.FETCH_TOTAL_TIMEOUT_MS,
    ]);
  });
});
