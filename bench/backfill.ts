/**
 * `npm run bench:backfill -- [--text-pins 20000] [--image-pins 500] [--partitions 4] [--master local[2]]`:
 * the Spark backfill's throughput in local mode, on fresh topics of the local stack: text-only pins
 * (distinct texts), and cold image pins (distinct image bytes, served on loopback, with text). Prints
 * the job's own figures (session start, scoring time = read + score + publish, pins/s of that time)
 * and writes them to bench/results/backfill-<time>.json.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from '../src/kafka/kafkajs.js';
import { ensureStackStarted } from '../scripts/lib/stack-control.js';
import { PIN_CREATED } from '../src/contracts/subjects.js';
import { registerContracts } from '../test/support/contract-cases.js';
import { startImageServer } from '../test/support/image-server.js';
import { stackEnv, uniqueName } from '../test/support/stack-env.js';
import { codec, registry } from '../test/support/worker-harness.js';
import { makeImageVariants } from './lib/image-variants.js';
import { describeMachine, machine } from './lib/machine.js';
import { imagePin, textPin } from './lib/pins.js';

const { values } = parseArgs({
  options: {
    'text-pins': { type: 'string', default: '20000' },
    'image-pins': { type: 'string', default: '500' },
    partitions: { type: 'string', default: '4' },
    master: { type: 'string', default: 'local[2]' },
  },
});
const root = new URL('..', import.meta.url);
// Starts the services of the local stack that are not running; stops those (only those) at the end.
const stack = ensureStackStarted(root);
const kafka = new Kafka({
  clientId: 'bench-backfill',
  brokers: stackEnv.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
const python = execFileSync('bash', ['scripts/python-env.sh', 'backfill/requirements.txt'], { cwd: root })
  .toString()
  .trim();
const variants = await makeImageVariants(Number(values['image-pins']));
const server = await startImageServer({ files: Object.fromEntries(variants.map((v) => [v.name, v.bytes])) });
const partitions = Number(values.partitions);

async function scenario(name: string, pins: ReturnType<typeof textPin>[]) {
  const prefix = uniqueName(`bench-backfill-${name}`);
  const topics = {
    pins: `${prefix}.pins`,
    labels: `${prefix}.labels`,
    deadLetters: `${prefix}.labels.deadletter`,
  };
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({
      topic,
      numPartitions: partitions,
      replicationFactor: 1,
    })),
    waitForLeaders: true,
  });
  // The job writes no rescans; the subject is registered (never used) for a complete contract set.
  await registerContracts(registry, { ...topics, rescans: `${prefix}.rescan` });
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < pins.length; i += 1000) {
    const chunk = pins.slice(i, i + 1000);
    const messages = await Promise.all(
      chunk.map(async (pin) => ({
        key: pin.pinId,
        value: await codec.encode(topics.pins, PIN_CREATED, pin),
      })),
    );
    await producer.send({ topic: topics.pins, messages });
  }
  await producer.disconnect();
  // Asynchronous: the image server lives in this process and must answer the executors meanwhile.
  const { stdout: out } = await promisify(execFile)(
    python,
    [
      '-m',
      'iw_backfill.job',
      '--master',
      values.master!,
      '--bootstrap-servers',
      stackEnv.kafkaBrokers.join(','),
      '--registry',
      stackEnv.schemaRegistryUrl,
      '--input-topic',
      topics.pins,
      '--output-topic',
      topics.labels,
      '--fetch-allow-private',
      '127.0.0.1',
    ],
    { cwd: new URL('backfill/', root), maxBuffer: 1 << 26 },
  );
  const summary = JSON.parse(out.trim().split('\n').at(-1)!) as {
    session_seconds: number;
    score_seconds: number;
    pins_per_s: number;
  };
  console.log(`[bench:backfill] ${name}: ${pins.length} pins, ${JSON.stringify(summary)}`);
  return { name, pins: pins.length, ...summary };
}

try {
  const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
  const results = [
    await scenario(
      'text-only',
      Array.from({ length: Number(values['text-pins']) }, (_, i) => textPin(i)),
    ),
    await scenario(
      'images-cold',
      variants.map((v, i) => imagePin(v, server.url(`/images/${v.name}`), 1_000_000 + i)),
    ),
  ];
  const m = machine();
  console.log(`\nmachine: ${describeMachine(m)}; load average at start ${load}; master ${values.master}`);
  console.log('| scenario | pins | session start, s | read + score + publish, s | pins/s |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.pins} | ${String(r.session_seconds)} | ${String(r.score_seconds)} | ${String(r.pins_per_s)} |`,
    );
  mkdirSync(new URL('bench/results/', root), { recursive: true });
  const file = new URL(`bench/results/backfill-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, root);
  writeFileSync(
    file,
    JSON.stringify({ machine: m, loadAverage: Number(load), options: values, results }, null, 2),
  );
} finally {
  await Promise.all([admin.disconnect(), server.close()]);
  stack.stop();
}
