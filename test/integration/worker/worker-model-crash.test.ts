import { describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import type { SessionFactory } from '../../../src/infer/session-runner.js';
import { createWorkerSession, type WorkerSessionRunner } from '../../../src/infer/worker-session.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  labelCollector,
  producePins,
  scrape,
  sleep,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const PHOTOS = ['photo-coffee.jpg', 'photo-chelsea.jpg', 'photo-rocket.jpg', 'drawing-house.png'];
const bed = useWorkerTestBed();

const pins = (prefix: string, count: number): PinCreated[] =>
  Array.from({ length: count }, (_, i) =>
    minimalPinCreated({
      pinId: `${prefix}-${i}`,
      title: `Pin ${i} of ${prefix}`,
      image: {
        url: bed.images.url(`/images/${PHOTOS[i % PHOTOS.length]}`),
        signature: null,
        width: null,
        height: null,
        mime: null,
      },
    }),
  );

async function readyz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('worker: a model thread that dies', () => {
  it('drops readiness, restarts the session, counts it, and keeps labelling scored', async () => {
    const topics = await createWorkerTopics(bed.admin, 2);
    // The real worker-thread sessions; the test keeps their threads (to terminate one) and can hold
    // a restart back, so that the down state is seen for sure.
    const sessions: { path: string; session: WorkerSessionRunner }[] = [];
    let holdRestart: Promise<void> = Promise.resolve();
    const createSession: SessionFactory = async (path, options) => {
      await holdRestart;
      const session = await createWorkerSession(path, options);
      sessions.push({ path, session });
      return session;
    };
    const labels = await labelCollector(topics.labels);
    // No memo, no Redis hits: every pin of the second half needs the image model again.
    const { worker } = await startTestWorker(
      topics,
      { MEMO_MAX_ENTRIES: '0', CACHE_ENABLED: 'false' },
      { createSession },
    );
    try {
      expect(await readyz(worker.httpPort)).toBe(200);
      await producePins(topics.pins, pins('before', 20));
      await labels.waitFor(20);
      const image = sessions.find((s) => s.path.includes('image-safety'))!;
      expect(image).toBeDefined();

      let release: () => void = () => {};
      holdRestart = new Promise((resolve) => (release = resolve));
      await image.session.thread.terminate();
      await until('readiness to drop', async () => (await readyz(worker.httpPort)) === 503);
      // Pins that arrive while the model is down wait for it (within their retry budget).
      await producePins(topics.pins, pins('during', 10));
      await sleep(300);
      release();
      await until('readiness to come back', async () => (await readyz(worker.httpPort)) === 200);
      expect(await scrape(worker, 'iw_model_restarts_total', { model: 'image-safety@1' })).toBe(1);
      await producePins(topics.pins, pins('after', 20));
      await labels.waitFor(50);

      const bySignal = labels.records.map((r) => r.record.signals.find((s) => s.signal === 'image.safety')!);
      expect(labels.records).toHaveLength(50);
      expect(bySignal.filter((s) => s.decision === 'UNSCORED').map((s) => s.reasonCode)).toEqual([]);
      expect(sessions.filter((s) => s.path.includes('image-safety'))).toHaveLength(2);
    } finally {
      await labels.stop();
      await worker.stop();
    }
  });
});
