import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { imageFetcherFromConfig } from '../../../src/fetch/fetcher-from-config.js';
import type { FetchedImage } from '../../../src/fetch/image-fetcher.js';
import { WeightedBudget } from '../../../src/weighted-budget.js';
import { startImageServer, type ImageServer } from '../../support/image-server.js';
import { startHarness, rejection, type Harness } from './fetch-harness.js';

let h: Harness;
let big: ImageServer;
let bigBytes: Buffer;
beforeAll(async () => {
  h = await startHarness();
  // ~1 MiB of noise as PNG: large enough that the byte budget, not chance, decides who reads.
  const noise = Buffer.alloc(600 * 600 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  bigBytes = await sharp(noise, { raw: { width: 600, height: 600, channels: 3 } })
    .png()
    .toBuffer();
  big = await startImageServer({ files: { 'big.png': bigBytes } });
});
afterAll(async () => {
  await h.close();
  await big.close();
});

const state = async (p: Promise<unknown>): Promise<'pending' | 'done' | 'failed'> => {
  let s: 'pending' | 'done' | 'failed' = 'pending';
  p.then(
    () => (s = 'done'),
    () => (s = 'failed'),
  );
  await new Promise((r) => setTimeout(r, 200));
  return s;
};

describe('UndiciImageFetcher: memory and hosts under load', () => {
  it('holds fetched bodies within FETCH_BODY_BUDGET_BYTES until they are released', async () => {
    const config = loadConfig({
      FETCH_ALLOWED_HOSTS: '127.0.0.1',
      FETCH_ALLOW_PRIVATE: '127.0.0.1',
      FETCH_BODY_BUDGET_BYTES: String(2 * bigBytes.length + 1000),
    });
    const fetcher = imageFetcherFromConfig(config);
    try {
      const url = (i: number) => big.url(`/images/big.png?n=${i}`);
      const first = await Promise.all([fetcher.fetch(url(1)), fetcher.fetch(url(2))]);
      // Two bodies fill the budget: a third is not read until one of them is released.
      const third = fetcher.fetch(url(3));
      expect(await state(third)).toBe('pending');
      first[0]!.release();
      const got: FetchedImage = await third;
      expect(got.bytes.equals(bigBytes)).toBe(true);
      first[1]!.release();
      got.release();
    } finally {
      await fetcher.close();
    }
  });

  it('a fetch waiting for the budget gives up at its deadline with IW_FETCH_TIMEOUT, and frees nothing twice', async () => {
    const budget = new WeightedBudget(bigBytes.length + 10);
    const url = `http://127.0.0.1:${big.port}/images/big.png`;
    const { fetcher: owner } = h.fetcher({ bodyBudget: budget, allowedHosts: ['127.0.0.1'] });
    const held = await owner.fetch(url);
    const { fetcher: waiter } = h.fetcher({ bodyBudget: budget, allowedHosts: ['127.0.0.1'] });
    expect(await rejection(waiter.fetch(url, { timeoutMs: 150 }))).toMatchObject({
      code: 'IW_FETCH_TIMEOUT',
      retriable: true,
    });
    expect(budget.inUse).toBe(bigBytes.length);
    held.release();
    held.release();
    expect(budget.inUse).toBe(0);
  });

  it('ends a fetch at the deadline passed in (the pin retry budget left), before its own timeout', async () => {
    const { fetcher } = h.fetcher({ totalTimeoutMs: 5000 });
    const started = performance.now();
    const error = await rejection(
      fetcher.fetch(h.server.url('/slow-headers/3000/tiny.png'), { timeoutMs: 150 }),
    );
    expect(error).toMatchObject({
      code: 'IW_FETCH_TIMEOUT',
      details: { phase: 'total', timeoutMs: 150, limitedBy: 'retry-budget' },
    });
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('opens at most FETCH_MAX_CONNECTIONS_PER_HOST requests to one host at once; other hosts are not held up', async () => {
    const { fetcher } = h.fetcher({ maxConnectionsPerHost: 2 });
    const slow = Array.from({ length: 6 }, (_, i) =>
      fetcher.fetch(`http://img.test:${h.server.port}/slow-headers/300/tiny.png?i=${i}`),
    );
    // Meanwhile another host answers at once, not after the queue of the busy one.
    const other = await fetcher.fetch(`http://cdn.img.test:${h.server.port}/images/tiny.png`);
    expect(other.mime).toBe('image/png');
    expect(await state(Promise.all(slow))).toBe('pending');
    await Promise.all(slow);
    expect(h.server.peakConcurrency(`img.test:${h.server.port}`)).toBe(2);
  });

  it('takes the per-host limit from the environment', async () => {
    expect(loadConfig({}).FETCH_MAX_CONNECTIONS_PER_HOST).toBe(64);
    expect(() => loadConfig({ FETCH_MAX_CONNECTIONS_PER_HOST: '0' })).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
  });
});
