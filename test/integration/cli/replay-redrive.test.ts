/**
 * `replay` and `redrive` end to end, as processes (`bin/integrity-worker.js`), against the real stack.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../../src/contracts/generated/dead-letter.js';
import { DEAD_LETTER, PIN_CREATED } from '../../../src/contracts/subjects.js';
import { fullDeadLetter, minimalPinCreated } from '../../support/records.js';
import { uniqueName } from '../../support/stack-env.js';
import {
  codec,
  createWorkerTopics,
  kafka,
  labelCollector,
  sleep,
  useWorkerTestBed,
  workerEnv,
  type WorkerTopics,
} from '../../support/worker-harness.js';

const run = promisify(execFile);
const bed = useWorkerTestBed();

async function cli(
  topics: WorkerTopics,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const env = {
    ...process.env,
    ...workerEnv(topics, { CACHE_ENABLED: 'false', LOG_LEVEL: 'error', ...extraEnv }),
  };
  try {
    const { stdout, stderr } = await run('node', ['bin/integrity-worker.js', ...args], {
      env,
      timeout: 480_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number | null; signal?: string; stdout: string; stderr: string };
    return { code: e.code ?? -1, out: e.stdout, err: `${e.signal ?? ''} ${e.stderr.slice(-3000)}` };
  }
}

const high = async (topic: string) =>
  (await bed.admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);

const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>;

async function committed(groupId: string, topic: string): Promise<Record<number, string>> {
  const [offsets] = await bed.admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries(offsets!.partitions.map((p) => [p.partition, p.offset]));
}

describe('replay', () => {
  it('rescores exactly the range into its own topic and group, with the model and policy asked for; live offsets untouched', async () => {
    const topics = await createWorkerTopics(bed.admin, 2);
    const pins = Array.from({ length: 24 }, (_, i) =>
      minimalPinCreated({
        pinId: `replay-${i}`,
        title: i % 2 ? 'FREE MONEY click now!!!' : 'Lentil soup',
        description: 'Red lentils and lemon.',
        image:
          i % 4 === 0
            ? {
                url: bed.images.url('/images/photo-coffee.jpg'),
                signature: null,
                width: null,
                height: null,
                mime: null,
              }
            : null,
      }),
    );
    // Explicit partitions, so the range below names known records.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.pins,
      messages: await Promise.all(
        pins.map(async (pin, i) => ({
          key: pin.pinId,
          partition: i % 2,
          value: await codec.encode(topics.pins, PIN_CREATED, pin),
        })),
      ),
    });
    await producer.disconnect();
    // The live group is somewhere in the topic; replay must leave it there.
    await bed.admin.setOffsets({
      groupId: topics.groupId,
      topic: topics.pins,
      partitions: [
        { partition: 0, offset: '5' },
        { partition: 1, offset: '7' },
      ],
    });
    // The live worker of these tests serves text-spam@1 with policy-v1; the replay applies @2.
    const output = `${topics.labels}.replay-text-spam-2`;
    const result = await cli(topics, [
      'replay',
      '--from',
      '0:2,1:0',
      '--to',
      '0:9,1:4',
      '--output-topic',
      output,
      '--models',
      'text-spam@2',
      '--policy',
      'policy/policy-v2.json',
    ]);
    expect(result.code, result.err).toBe(0);
    const summary = lastJson(result.out);
    expect(summary).toMatchObject({
      offsets: 11,
      records: 11,
      labels: 11,
      deadLetters: 0,
      outputTopic: output,
    });

    const labels = await labelCollector(output);
    await labels.waitFor(11, 30_000);
    await sleep(1000); // anything beyond the range would have arrived by now
    await labels.stop();
    const positions = labels.records
      .map((l) => `${l.record.source.partition}:${l.record.source.offset}`)
      .sort();
    const expected = [
      ...[2, 3, 4, 5, 6, 7, 8].map((o) => `0:${o}`),
      ...[0, 1, 2, 3].map((o) => `1:${o}`),
    ].sort();
    expect(positions).toEqual(expected);
    for (const { record } of labels.records) {
      const text = record.signals.find((s) => s.signal === 'text.spam')!;
      expect(text.model).toEqual({ name: 'text-spam', version: '2' });
      expect(text.policyVersion).toBe('policy-v2');
    }
    expect(await committed(topics.groupId, topics.pins)).toEqual({ 0: '5', 1: '7' });

    // The same group again is refused unless asked to resume.
    const again = await cli(topics, [
      'replay',
      '--from',
      'earliest',
      '--to',
      'latest',
      '--output-topic',
      output,
    ]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('IW_ARGUMENT_INVALID');
  }, 600_000);

  it("rescans through a rescan topic of its own, and finishes a transactional producer's range (commit markers at its end)", async () => {
    const topics = await createWorkerTopics(bed.admin, 1);
    const image = (path: string) => ({
      url: bed.images.url(path),
      signature: null,
      width: null,
      height: null,
      mime: null,
    });
    const pins = [
      minimalPinCreated({ pinId: 'tx-text', title: 'Lentil soup' }),
      minimalPinCreated({ pinId: 'tx-down', title: 'A normal pin', image: image('/status/503') }),
      minimalPinCreated({ pinId: 'tx-photo', title: 'Coffee', image: image('/images/photo-coffee.jpg') }),
    ];
    // One transaction: the partition ends with its commit marker (offset 3, high watermark 4).
    const producer = kafka.producer({
      transactionalId: uniqueName('replay-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const transaction = await producer.transaction();
    await transaction.send({
      topic: topics.pins,
      messages: await Promise.all(
        pins.map(async (pin) => ({
          key: pin.pinId,
          value: await codec.encode(topics.pins, PIN_CREATED, pin),
        })),
      ),
    });
    await transaction.commit();
    await producer.disconnect();
    // The coordinator writes the marker after the commit returns; read_committed ends move past it then.
    const deadline = Date.now() + 15_000;
    while ((await high(topics.pins)) < pins.length + 1 && Date.now() < deadline) await sleep(100);
    expect(await high(topics.pins)).toBe(pins.length + 1);

    const output = `${topics.labels}.replay-tx`;
    const result = await cli(
      topics,
      ['replay', '--from', 'earliest', '--to', 'latest', '--output-topic', output],
      {
        RETRY_MAX_ATTEMPTS: '1',
        RESCAN_MAX_ATTEMPTS: '1',
        RESCAN_BASE_DELAY_MS: '500',
        RESCAN_MAX_DELAY_MS: '500',
      },
    );
    expect(result.code, result.err).toBe(0);
    // 3 first labels, one rescan of tx-down and its final label.
    expect(lastJson(result.out)).toMatchObject({
      offsets: 4, // 3 records and the commit marker
      records: 3,
      labels: 4,
      rescans: 1,
      deadLetters: 0,
      rescanTopic: `${output}.rescan`,
    });
    expect(await high(`${output}.rescan`)).toBe(1);
    expect(await high(topics.rescans)).toBe(0); // the live worker's rescan topic is not touched

    const labels = await labelCollector(output);
    await labels.waitFor(4, 30_000);
    await labels.stop();
    const down = labels.records.filter((l) => l.key === 'tx-down').map((l) => l.record);
    expect(down.map((l) => [l.attempt, l.decision, l.signals[0]!.rule])).toEqual([
      [0, 'UNSCORED', 'rescan'],
      [1, 'REVIEW', 'unscored.default'],
    ]);
  }, 600_000);

  it('refuses the live label topic as output', async () => {
    const topics = await createWorkerTopics(bed.admin, 1);
    const result = await cli(topics, [
      'replay',
      '--from',
      'earliest',
      '--to',
      'latest',
      '--output-topic',
      topics.labels,
    ]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('IW_ARGUMENT_INVALID');
  });
});

describe('redrive', () => {
  /** Dead letters as the worker writes them; `transactional`: in one transaction, as in exactly-once mode. */
  async function deadLetters(topics: WorkerTopics, transactional = false): Promise<DeadLetter[]> {
    const letters = await Promise.all(
      ['IW_SCHEMA_UNKNOWN_ID', 'IW_WIRE_BAD_MAGIC', 'IW_SCHEMA_UNKNOWN_ID', 'IW_AVRO_BODY_MISMATCH'].map(
        async (errorCode, i) => {
          const pin = minimalPinCreated({ pinId: `redrive-${i}`, title: `pin ${i}` });
          return fullDeadLetter({
            errorCode,
            key: Buffer.from(pin.pinId),
            value: await codec.encode(topics.pins, PIN_CREATED, pin),
            headers: [
              { key: 'traceparent', value: Buffer.from(`00-${'a'.repeat(31)}${i}-${'b'.repeat(16)}-01`) },
              { key: 'x-repeat', value: Buffer.from('one') },
              { key: 'x-repeat', value: Buffer.from('two') },
            ],
          });
        },
      ),
    );
    const messages = await Promise.all(
      letters.map(async (letter) => ({
        key: letter.key,
        value: await codec.encode(topics.deadLetters, DEAD_LETTER, letter),
      })),
    );
    const producer = transactional
      ? kafka.producer({
          transactionalId: uniqueName('redrive-tx'),
          idempotent: true,
          maxInFlightRequests: 1,
        })
      : kafka.producer();
    await producer.connect();
    if (transactional) {
      const transaction = await producer.transaction();
      await transaction.send({ topic: topics.deadLetters, messages });
      await transaction.commit();
      // The marker is written after the commit returns; the topic's end passes it then.
      const deadline = Date.now() + 15_000;
      while ((await high(topics.deadLetters)) < letters.length + 1 && Date.now() < deadline) await sleep(100);
    } else {
      await producer.send({ topic: topics.deadLetters, messages });
    }
    await producer.disconnect();
    return letters;
  }

  async function readInput(topic: string, count: number) {
    const consumer = kafka.consumer({ groupId: uniqueName('redrive-read') });
    const seen: { key: string | null; value: Buffer | null; headers: Record<string, unknown> }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          key: message.key?.toString() ?? null,
          value: message.value,
          headers: message.headers ?? {},
        });
      },
    });
    const deadline = Date.now() + 15_000;
    while (seen.length < count && Date.now() < deadline) await sleep(50);
    await sleep(500);
    await consumer.disconnect();
    return seen;
  }

  it('counts without publishing on a dry run, then re-publishes the chosen originals unchanged', async () => {
    const topics = await createWorkerTopics(bed.admin, 1);
    const letters = await deadLetters(topics);

    const dry = await cli(topics, ['redrive', '--code', 'IW_SCHEMA_UNKNOWN_ID', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(lastJson(dry.out)).toMatchObject({
      scanned: 4,
      matched: 2,
      published: 0,
      byCode: { IW_SCHEMA_UNKNOWN_ID: 2 },
    });
    expect(await high(topics.pins)).toBe(0);

    const real = await cli(topics, ['redrive', '--code', 'IW_SCHEMA_UNKNOWN_ID']);
    expect(real.code, real.err).toBe(0);
    expect(lastJson(real.out)).toMatchObject({ matched: 2, published: 2 });
    const seen = await readInput(topics.pins, 2);
    expect(seen).toHaveLength(2);
    const chosen = [letters[0]!, letters[2]!];
    for (const [i, message] of seen.entries()) {
      expect(message.key).toBe(chosen[i]!.key!.toString());
      expect(message.value!.equals(chosen[i]!.value!)).toBe(true);
      expect(String(message.headers.traceparent)).toBe(chosen[i]!.headers[0]!.value!.toString());
      expect((message.headers['x-repeat'] as Buffer[]).map(String)).toEqual(['one', 'two']);
    }
  }, 300_000);

  it('reads to the end of dead letters written in a transaction (a commit marker ends the topic)', async () => {
    const topics = await createWorkerTopics(bed.admin, 1);
    await deadLetters(topics, true);
    expect(await high(topics.deadLetters)).toBe(5);
    const dry = await cli(topics, ['redrive', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(lastJson(dry.out)).toMatchObject({ scanned: 4, matched: 4, published: 0 });
  }, 300_000);

  it('chooses by offsets of the dead-letter topic, and by time', async () => {
    const topics = await createWorkerTopics(bed.admin, 1);
    const before = new Date(Date.now() - 1000).toISOString();
    await deadLetters(topics);
    const byOffset = await cli(topics, ['redrive', '--from', '1', '--to', '3', '--dry-run']);
    expect(lastJson(byOffset.out)).toMatchObject({
      matched: 2,
      byCode: { IW_WIRE_BAD_MAGIC: 1, IW_SCHEMA_UNKNOWN_ID: 1 },
      offsets: ['0:1', '0:2'],
    });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await cli(topics, ['redrive', '--from', future, '--dry-run']);
    expect(lastJson(none.out)).toMatchObject({ scanned: 0, matched: 0 });
    const all = await cli(topics, ['redrive', '--from', before, '--dry-run']);
    expect(lastJson(all.out)).toMatchObject({ scanned: 4, matched: 4 });
  }, 300_000);
});
