import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { minimalPinCreated } from '../../support/records.js';
import { uniqueName } from '../../support/stack-env.js';
import {
  createWorkerTopics,
  exitCode,
  labelCollector,
  producePins,
  scrape,
  sleep,
  spawnWorkerProcess,
  startTestWorker,
  workerEnv,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const PHOTOS = [
  'photo-coffee.jpg',
  'photo-chelsea.jpg',
  'photo-rocket.jpg',
  'drawing-house.png',
  'photo-flower.jpg',
];
const bed = useWorkerTestBed();
const { admin } = bed;

/** Pins with unique texts (a cache miss each) and a handful of images. */
const pins = (prefix: string, count: number): PinCreated[] =>
  Array.from({ length: count }, (_, i) =>
    minimalPinCreated({
      pinId: `${prefix}-${i}`,
      title: `Pin number ${i} of ${prefix}`,
      description: `A short description that differs for every pin: ${i * 7919}.`,
      image: {
        url: bed.images.url(`/images/${PHOTOS[i % PHOTOS.length]}`),
        signature: null,
        width: null,
        height: null,
        mime: null,
      },
    }),
  );

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('worker resilience', () => {
  it('labels every pin when Redis dies mid-stream (the cache fails open)', async () => {
    // A Redis of this test's own, so that killing it disturbs nobody else.
    const port = await freePort();
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    await sleep(300);
    const topics = await createWorkerTopics(admin, 3);
    const stream = pins('redis', 400);
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics, {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      MEMO_MAX_ENTRIES: '0',
      MAX_IN_FLIGHT: '32',
    });
    try {
      await producePins(topics.pins, stream.slice(0, 200));
      await labels.waitFor(100, 60_000);
      redis.kill('SIGKILL');
      await producePins(topics.pins, stream.slice(200));
      await labels.waitFor(400, 90_000);
      expect(new Set(labels.records.map((r) => r.key)).size).toBe(400);
      const cacheErrors = await scrape(worker, 'iw_cache_errors_total');
      console.log(
        `labels ${labels.records.length} with Redis killed after ~100; cache calls failed open: ${cacheErrors}`,
      );
      expect(cacheErrors).toBeGreaterThan(0);
      expect(labels.records.every((r) => r.record.signals[1]!.reasonCode === null)).toBe(true);
    } finally {
      redis.kill('SIGKILL');
      await worker.stop();
      await labels.stop();
    }
  });

  it('stops gracefully on SIGTERM mid-stream and a restart labels the rest: every pin once, none twice', async () => {
    const topics = await createWorkerTopics(admin, 3);
    const stream = pins(uniqueName('term'), 400);
    await producePins(topics.pins, stream);
    const labels = await labelCollector(topics.labels);
    const env = {
      ...process.env,
      ...workerEnv(topics, { CACHE_NAMESPACE: uniqueName('term'), MAX_IN_FLIGHT: '16' }),
    };

    const first = spawnWorkerProcess(env);
    await labels.waitFor(60, 90_000);
    const atSignal = labels.records.length;
    first.kill('SIGTERM');
    const code = await exitCode(first);
    expect(code).toBe(0);
    await sleep(1000);
    const afterFirst = labels.records.length;
    expect(afterFirst).toBeGreaterThanOrEqual(atSignal);
    expect(afterFirst).toBeLessThan(stream.length);

    const second = spawnWorkerProcess(env);
    try {
      await labels.waitFor(stream.length, 90_000);
      await sleep(3000); // a duplicate would arrive right behind the last label
    } finally {
      second.kill('SIGTERM');
      await exitCode(second);
      await labels.stop();
    }
    console.log(
      `first worker labeled ${afterFirst} before its graceful stop; total labels ${labels.records.length}`,
    );
    const counts = new Map<string, number>();
    for (const r of labels.records) counts.set(r.key!, (counts.get(r.key!) ?? 0) + 1);
    expect(counts.size).toBe(stream.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
