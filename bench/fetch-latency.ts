/**
 * Latency of fetching a ~100 KB JPEG from the local image server through UndiciImageFetcher (guarded
 * connector, sniffing, byte cap all on). Prints figures; asserts nothing.
 *
 *   npx tsx bench/fetch-latency.ts [fetches=200] [concurrency=8]
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { UndiciImageFetcher } from '../src/fetch/undici-image-fetcher.js';
import { startImageServer } from '../test/support/image-server.js';

const fetches = Number(process.argv[2] ?? 200);
const concurrency = Number(process.argv[3] ?? 8);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  const f = (ms: number) => ms.toFixed(2);
  console.log(
    `${label}: n=${sorted.length} p50=${f(percentile(sorted, 50))} ms p90=${f(percentile(sorted, 90))} ms ` +
      `p99=${f(percentile(sorted, 99))} ms max=${f(sorted.at(-1)!)} ms mean=${f(mean)} ms`,
  );
}

const side = 352;
const noise = randomBytes(side * side * 3);
const jpeg = await sharp(noise, { raw: { width: side, height: side, channels: 3 } })
  .jpeg({ quality: 88 })
  .toBuffer();
const server = await startImageServer({ files: { 'bench.jpg': jpeg } });
const fetcher = new UndiciImageFetcher({
  allowedHosts: ['bench.test'],
  allowPrivateAddresses: ['127.0.0.1'],
  lookup: async () => [{ address: '127.0.0.1', family: 4 }],
});
const url = `http://bench.test:${server.port}/images/bench.jpg`;

try {
  console.log(`image: ${jpeg.length} bytes JPEG ${side}x${side}; node ${process.version}`);
  for (let i = 0; i < 20; i++) await fetcher.fetch(url); // warm-up: JIT, keep-alive connection

  const sequential: number[] = [];
  for (let i = 0; i < fetches; i++) sequential.push((await fetcher.fetch(url)).elapsedMs);
  summary('sequential (fetcher elapsedMs)', sequential);

  const concurrent: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < fetches) concurrent.push((await fetcher.fetch(url)).elapsedMs);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  summary(`concurrency ${concurrency}`, concurrent);
  console.log(
    `throughput at concurrency ${concurrency}: ${(fetches / seconds).toFixed(0)} fetches/s, ` +
      `${((fetches * jpeg.length) / seconds / 1e6).toFixed(1)} MB/s`,
  );
} finally {
  await fetcher.close();
  await server.close();
}
