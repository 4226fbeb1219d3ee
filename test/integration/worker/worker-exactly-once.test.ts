import { describe, expect, it } from 'vitest';
import { minimalPinCreated } from '../../support/records.js';
import { uniqueName } from '../../support/stack-env.js';
import {
  createWorkerTopics,
  exitCode,
  labelCollector,
  producePins,
  sleep,
  spawnWorkerProcess,
  startTestWorker,
  useWorkerTestBed,
  workerEnv,
} from '../../support/worker-harness.js';

const { admin } = useWorkerTestBed();

describe('DELIVERY=exactly-once', () => {
  it('labels every pin once through transactions, with the offsets committed by them', async () => {
    const topics = await createWorkerTopics(admin, 3);
    const prefix = uniqueName('eos');
    const pins = Array.from({ length: 120 }, (_, i) =>
      minimalPinCreated({ pinId: `${prefix}-${i}`, title: `Exactly once pin ${i}` }),
    );
    await producePins(topics.pins, pins);
    // kafkajs consumers read read_committed by default: only committed transactions are seen.
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics, { DELIVERY: 'exactly-once', MAX_IN_FLIGHT: '32' });
    try {
      await labels.waitFor(pins.length, 90_000);
      await sleep(2000);
      const [offsets] = await admin.fetchOffsets({ groupId: topics.groupId, topics: [topics.pins] });
      const committed = offsets!.partitions.reduce((n, p) => n + Number(p.offset), 0);
      expect(labels.records.map((r) => r.key).sort()).toEqual(pins.map((p) => p.pinId).sort());
      expect(committed).toBe(pins.length);
    } finally {
      await worker.stop();
      await labels.stop();
    }
  });

  it('after a SIGKILL mid-transaction, a restarted worker aborts the open transactions: every pin once, none twice', async () => {
    // The worker runs as its own process so that it can die with transactions open. Its successor takes
    // the partitions over with the same transactional ids (one per input partition): InitProducerId fences
    // the dead producer and aborts what it left open, and the input offsets of those transactions were
    // never committed, so the successor labels those pins again, exactly once as seen by read_committed.
    const topics = await createWorkerTopics(admin, 3);
    const prefix = uniqueName('eos-kill');
    const pins = Array.from({ length: 400 }, (_, i) =>
      minimalPinCreated({
        pinId: `${prefix}-${i}`,
        title: `Pin ${i} that a killed worker may have labeled inside an aborted transaction`,
        description: `A description that differs for every pin: ${i * 7919}.`,
      }),
    );
    await producePins(topics.pins, pins);
    const labels = await labelCollector(topics.labels);
    const env = {
      ...process.env,
      ...workerEnv(topics, {
        DELIVERY: 'exactly-once',
        CACHE_NAMESPACE: uniqueName('eos-kill'),
        MEMO_MAX_ENTRIES: '0',
        MAX_IN_FLIGHT: '16',
      }),
    };
    const first = spawnWorkerProcess(env);
    await labels.waitFor(60, 90_000);
    first.kill('SIGKILL');
    await exitCode(first);
    const atKill = labels.records.length;
    expect(atKill).toBeLessThan(pins.length);

    // The successor waits out the dead member's session and the transactions it left open (up to
    // about two minutes on a busy machine): the deadline of this test is longer than the default.
    const second = spawnWorkerProcess(env);
    try {
      await labels.waitFor(pins.length, 120_000);
      await sleep(3000); // a duplicate would arrive right behind the last label
    } finally {
      second.kill('SIGTERM');
      await exitCode(second);
      await labels.stop();
    }
    console.log(
      `labels committed before the SIGKILL: ${atKill}; total ${labels.records.length}; ` +
        `re-read by the collector (not counted): ${labels.redelivered}`,
    );
    // Each copy with its label partition and offset: a copy at an offset of its own was written twice.
    const copies = new Map<string, string[]>();
    for (const r of labels.records)
      copies.set(r.key!, [
        ...(copies.get(r.key!) ?? []),
        `${r.partition}@${r.offset} attempt ${r.record.attempt}`,
      ]);
    expect(copies.size).toBe(pins.length);
    expect([...copies.entries()].filter(([, at]) => at.length > 1)).toEqual([]);
  }, 300_000);
});
