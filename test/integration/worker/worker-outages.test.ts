import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { minimalPinCreated } from '../../support/records.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import {
  createWorkerTopics,
  deadLetterCollector,
  labelCollector,
  producePins,
  scrape,
  sleep,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';

const { admin } = useWorkerTestBed();

/** Text-only pins with unique texts. */
const pins = (prefix: string, from: number, count: number): PinCreated[] =>
  Array.from({ length: count }, (_, i) =>
    minimalPinCreated({
      pinId: `${prefix}-${from + i}`,
      title: `Outage pin ${from + i} of ${prefix}`,
      description: `Every description differs: ${(from + i) * 7919}.`,
    }),
  );

/** Short sessions, so that a member that stops heartbeating is thrown out within the test. */
const OUTAGE_ENV = {
  KAFKA_SESSION_TIMEOUT_MS: '6000',
  RETRY_BUDGET_MS: '500',
  RETRY_BASE_DELAY_MS: '50',
  MAX_IN_FLIGHT: '16',
  PAUSE_BACKOFF_INITIAL_MS: '500',
  PAUSE_BACKOFF_MAX_MS: '2000',
};

/**
 * Polls the group's members until stopped: a member that was thrown out (session expired) or that
 * restarted its consumer rejoins under a new member id, so more than one id seen means a rebalance.
 */
function watchGroup(kafkaAdmin: Admin, groupId: string) {
  const ids = new Set<string>();
  const states = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { groups } = await kafkaAdmin.describeGroups([groupId]);
      for (const member of groups[0]?.members ?? []) ids.add(member.memberId);
      if (groups[0]) states.add(groups[0].state);
      await sleep(250);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { ids, states };
    },
  };
}

describe('worker outages: partitions pause and back off while the member keeps heartbeating', () => {
  it('a registry outage loses nothing, dead-letters nothing and does not rebalance the group', async () => {
    const registryUrl = new URL(stackEnv.schemaRegistryUrl);
    const proxy = await TcpProxy.start({ host: registryUrl.hostname, port: Number(registryUrl.port) });
    const topics = await createWorkerTopics(admin, 2);
    const labels = await labelCollector(topics.labels);
    const deadLetters = await deadLetterCollector(topics.deadLetters);
    // Down before the worker has seen any schema: every pin needs the registry to be decoded.
    await proxy.down();
    const { worker } = await startTestWorker(topics, {
      ...OUTAGE_ENV,
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${proxy.port}${registryUrl.pathname}`,
    });
    const group = watchGroup(admin, topics.groupId);
    try {
      const stream = pins(uniqueName('reg'), 0, 40);
      await producePins(topics.pins, stream);
      await sleep(15_000); // more than twice the session timeout
      expect(labels.records.length).toBe(0);
      await proxy.up();
      await labels.waitFor(stream.length, 60_000);
      const { ids } = await group.stop();
      const pauses = await scrape(worker, 'iw_partition_pauses_total', { code: 'IW_REGISTRY_UNREACHABLE' });
      console.log(`registry outage 15 s: member ids ${ids.size}, partition pauses ${pauses}`);
      expect(new Set(labels.records.map((r) => r.key))).toEqual(new Set(stream.map((p) => p.pinId)));
      expect(deadLetters.records).toEqual([]);
      expect(ids.size).toBe(1);
      expect(pauses).toBeGreaterThan(0);
    } finally {
      await group.stop();
      await proxy.up();
      await worker.stop();
      await Promise.all([labels.stop(), deadLetters.stop(), proxy.down()]);
    }
  });

  it('a label topic that is gone (UNKNOWN_TOPIC_OR_PARTITION) pauses, loses nothing, does not rebalance', async () => {
    const topics = await createWorkerTopics(admin, 2);
    const before = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics, OUTAGE_ENV);
    const prefix = uniqueName('gone');
    const group = watchGroup(admin, topics.groupId);
    let after: Awaited<ReturnType<typeof labelCollector>> | undefined;
    try {
      await producePins(topics.pins, pins(prefix, 0, 20));
      await before.waitFor(20, 60_000);
      await before.stop();
      // Kafka cannot take a label until the topic is back: every send fails with a retriable error.
      await admin.deleteTopics({ topics: [topics.labels] });
      await producePins(topics.pins, pins(prefix, 20, 30));
      await sleep(15_000); // more than twice the session timeout
      await admin.createTopics({
        topics: [{ topic: topics.labels, numPartitions: 1, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      after = await labelCollector(topics.labels);
      const expected = pins(prefix, 20, 30).map((p) => p.pinId);
      const deadline = Date.now() + 60_000;
      const keys = () => new Set(after!.records.map((r) => r.key));
      while (!expected.every((id) => keys().has(id)) && Date.now() < deadline) await sleep(100);
      const { ids } = await group.stop();
      const pauses = await scrape(worker, 'iw_partition_pauses_total', { code: 'IW_PUBLISH_FAILED' });
      console.log(`label topic gone 15 s: member ids ${ids.size}, partition pauses ${pauses}`);
      expect(expected.filter((id) => !keys().has(id))).toEqual([]);
      expect(ids.size).toBe(1);
      expect(pauses).toBeGreaterThan(0);
    } finally {
      await group.stop();
      await worker.stop();
      await Promise.all([before.stop(), after?.stop()]);
    }
  });
});
