import { describe, expect, it } from 'vitest';
import { kafka, sleep } from '../../support/worker-harness.js';
import { uniqueName } from '../../support/stack-env.js';

/**
 * What a dead exactly-once worker leaves on a label partition: transactions of several producers,
 * interleaved, that its successor aborts one at a time and not in the order they began. A kafkajs
 * read_committed reader must see none of their records (kafkajs 2.2.4's own filter handed the
 * first aborted transaction's records over; src/kafka/read-committed-filter.ts replaces it).
 */
describe('read_committed reads on the real broker', () => {
  it('sees no record of interleaved transactions aborted in another order than they began', async () => {
    const topic = uniqueName('read-committed');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = (id: string) =>
      kafka.producer({ transactionalId: uniqueName(id), idempotent: true, maxInFlightRequests: 1 });
    const [a, b, c] = [producer('a'), producer('b'), producer('c')];
    await Promise.all([a.connect(), b.connect(), c.connect()]);
    const send = (value: string) => ({ topic, messages: [{ key: value, value }] });
    try {
      const ta = await a.transaction();
      await ta.send(send('a-aborted-1'));
      const tb = await b.transaction();
      await tb.send(send('b-aborted-1'));
      await ta.send(send('a-aborted-2'));
      await tb.send(send('b-aborted-2'));
      await tb.abort(); // B began second and is aborted first
      await ta.abort();
      const tc = await c.transaction();
      await tc.send(send('c-committed'));
      await tc.commit();

      const seen: string[] = [];
      const consumer = kafka.consumer({ groupId: uniqueName('read-committed') });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
      const deadline = Date.now() + 30_000;
      while (!seen.includes('c-committed') && Date.now() < deadline) await sleep(50);
      await sleep(500);
      await consumer.disconnect();
      expect(seen).toEqual(['c-committed']);
    } finally {
      await Promise.all([a.disconnect(), b.disconnect(), c.disconnect()]);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
