/**
 * `npm run chaos`: proves that no pin is lost while everything around the workers fails. A driver
 * produces pins (texts and images served on loopback) to a fresh 6-partition topic while 3 workers run
 * as their own processes, and during the run: SIGKILLs a worker every few seconds (and restarts it),
 * restarts the broker keeping its data, stalls Redis and the registry (SIGSTOP/SIGCONT on the stack's
 * pids) and forces rebalances (a graceful leave and re-join). A verifier then reads the label topic
 * read_committed from the beginning: pins produced, labeled, lost, duplicate labels.
 *
 *   npm run chaos -- [--delivery at-least-once|exactly-once] [--pins 3000] [--slim]
 *
 * Exit code 0 when nothing is lost (and, for exactly-once, nothing is duplicated).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { PIN_CREATED } from '../../src/contracts/subjects.js';
import { startImageServer } from '../../test/support/image-server.js';
import { stackEnv, uniqueName } from '../../test/support/stack-env.js';
import type { Admin } from 'kafkajs';
import { HttpSchemaRegistry } from '../../src/contracts/http-schema-registry.js';
import { registerContracts } from '../../test/support/contract-cases.js';
import { codec, kafka, workerEnv, type WorkerTopics } from '../../test/support/worker-harness.js';
import { samplePins } from '../demo/sample-pins.js';
import { Cleanups } from '../lib/cleanups.js';
import { ensureStackStarted } from '../lib/stack-control.js';
import { LabelReader, verdict } from './label-reader.js';
import { WorkerFleet } from './worker-fleet.js';

const { values } = parseArgs({
  options: {
    delivery: { type: 'string', default: 'at-least-once' },
    pins: { type: 'string' },
    slim: { type: 'boolean', default: false },
    workers: { type: 'string', default: '3' },
  },
});
if (values.delivery !== 'at-least-once' && values.delivery !== 'exactly-once')
  throw new Error('--delivery is at-least-once or exactly-once');
const slim = values.slim;
const pinCount = Number(values.pins ?? (slim ? 1200 : 3000));
const produceSeconds = slim ? 45 : 120;
const killEveryMs = slim ? 12_000 : 9000;
const minUptimeMs = 5000; // of a ready worker
const root = new URL('../../', import.meta.url);
const execAsync = promisify(execFile);
const t0 = Date.now();
const log = (line: string) => console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const events: Record<string, number> = {};
const count = (event: string) => (events[event] = (events[event] ?? 0) + 1);

const cleanups = new Cleanups(log);
try {
  process.exitCode = await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanups.run();
}
// A cleanup left behind (see Cleanups) may hold a socket open: the verdict is in, end here.
process.exit(process.exitCode ?? 0);

async function main(): Promise<number> {
  const stack = ensureStackStarted(root, log);
  cleanups.add('stack', () => stack.stop());
  const admin = kafka.admin();
  await admin.connect();
  cleanups.add('admin', () => admin.disconnect());
  const topics = await createTopics(admin);
  cleanups.add('topics', () =>
    admin.deleteTopics({ topics: [topics.pins, topics.labels, topics.deadLetters] }).catch(() => undefined),
  );
  const images = await startImageServer();
  cleanups.add('image server', () => images.close());
  const logDir = mkdtempSync(join(tmpdir(), 'iw-chaos-'));
  log(`topics ${topics.pins} (6 partitions); worker logs in ${logDir}; delivery ${values.delivery}`);

  const ports = await Promise.all(Array.from({ length: Number(values.workers) }, freePort));
  const fleet = new WorkerFleet(
    root,
    workerEnv(topics, {
      DELIVERY: values.delivery!,
      CONSUMER_START_POSITION: 'earliest',
      // Images that time out under the faults are rescanned; quickly here, so the run sees every final label.
      RESCAN_BASE_DELAY_MS: '1000',
      RESCAN_MAX_DELAY_MS: '5000',
    }),
    logDir,
    ports,
  );
  cleanups.add('workers', () => fleet.killAll());
  fleet.startAll();
  // Faults start once the workers work: on a busy machine loading the models takes a while.
  const readyBy = Date.now() + 300_000;
  while ((await fleet.readySlots()).length < fleet.size) {
    if (Date.now() > readyBy) throw new Error(`the workers were not ready within 300 s (logs in ${logDir})`);
    await sleep(500);
  }
  log(`${fleet.size} workers ready`);

  const live = await new LabelReader(kafka, codec, topics.labels, uniqueName('chaos-live')).start();
  cleanups.add('live reader', () => live.stop());

  const pins = samplePins(pinCount, (path) => images.url(path)).flatMap((r) => (r.kind === 'pin' ? [r] : []));
  const produced: string[] = [];
  let producing = true;
  const production = produce(topics.pins, pins, produced).finally(() => (producing = false));
  const chaos = runChaos(fleet, () => producing);
  await production;
  await chaos;
  log(`produced ${produced.length} pins; chaos done (${JSON.stringify(events)}); waiting for the labels`);
  fleet.startAll();
  // Done when every pin has its final label (a label that promises a rescan is superseded later).
  const allFinal = (reader: LabelReader) => produced.every((pinId) => reader.pins.get(pinId)?.final === true);
  const all = () => allFinal(live);
  await live.waitUntil(all, Number.POSITIVE_INFINITY, slim ? 600_000 : 900_000);
  await fleet.stopAll();

  log('verifying: a fresh read_committed reader of the label topic from the beginning');
  const verifier = await new LabelReader(kafka, codec, topics.labels, uniqueName('chaos-verify')).start();
  await verifier.waitUntil(() => allFinal(verifier), 10_000, 120_000);
  await verifier.stop();
  const result = verdict(produced, verifier.pins);
  const seconds = (Date.now() - t0) / 1000;
  console.log(
    `\nchaos ${slim ? '(slim) ' : ''}delivery=${values.delivery} workers=${fleet.size} partitions=6 in ${seconds.toFixed(0)} s\n` +
      `  worker starts ${fleet.starts}, SIGKILLs ${fleet.kills}, worker exits of their own ${fleet.crashes}, ${Object.entries(
        events,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n` +
      `  pins produced ${result.produced}, labeled ${result.labeled}, lost ${result.lost}, ` +
      `without their final label ${result.unfinished}, ` +
      `duplicate labels ${result.duplicateLabels} (on ${result.pinsWithDuplicates} pins), ` +
      `labels read ${result.labels} (of them rescans ${result.rescanLabels}); live reader restarts ${live.restarts}`,
  );
  const ok =
    result.lost === 0 &&
    result.unfinished === 0 &&
    (values.delivery === 'at-least-once' || result.duplicateLabels === 0);
  console.log(ok ? 'PASS' : 'FAIL');
  return ok ? 0 : 1;
}

/** Paced production over `produceSeconds`; a batch the broker did not take is sent again. */
async function produce(
  topic: string,
  pins: ReturnType<typeof samplePins>,
  produced: string[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, retry: { retries: 10 } });
  await producer.connect();
  cleanups.add('producer', () => producer.disconnect());
  const batch = Math.max(1, Math.ceil(pins.length / (produceSeconds * 4)));
  const started = Date.now();
  for (let i = 0; i < pins.length; i += batch) {
    const slice = pins.slice(i, i + batch).flatMap((p) => (p.kind === 'pin' ? [p] : []));
    const messages = await Promise.all(
      slice.map(async (p) => ({ key: p.key, value: await codec.encode(topic, PIN_CREATED, p.pin) })),
    );
    for (;;) {
      try {
        await producer.send({ topic, acks: -1, messages });
        break;
      } catch {
        count('produce retries');
        await sleep(1000);
      }
    }
    produced.push(...slice.map((p) => p.pin.pinId));
    const due = started + ((i + batch) / pins.length) * produceSeconds * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  await producer.disconnect();
}

/** The faults, while `running()`: kills on a cadence, and one each of the others at fixed points. */
async function runChaos(fleet: WorkerFleet, running: () => boolean): Promise<void> {
  const window = produceSeconds * 1000;
  const began = Date.now();
  const at = (fraction: number) => began + fraction * window;
  const once = [
    { at: at(0.3), name: 'broker restarts', run: () => restartBroker() },
    { at: at(0.5), name: 'rebalances', run: () => rebalance(fleet) },
    { at: at(0.6), name: 'redis stalls', run: () => stall('redis', 6000) },
    { at: at(0.75), name: 'registry stalls', run: () => stall('registry', 6000) },
    { at: at(0.85), name: 'rebalances', run: () => rebalance(fleet) },
  ];
  const pending: Promise<unknown>[] = [];
  let nextKill = Date.now() + killEveryMs;
  while (running() || once.length > 0) {
    if (Date.now() >= nextKill && running()) {
      // A worker that just started is still loading its models: kill one that had time to work.
      const slot = fleet.oldest(await fleet.readySlots(), minUptimeMs);
      if (slot !== undefined) {
        log(`SIGKILL worker ${slot}`);
        fleet.kill(slot); // the fleet restarts it
      }
      nextKill = Date.now() + killEveryMs;
    }
    while (once.length > 0 && Date.now() >= once[0]!.at) {
      const action = once.shift()!;
      count(action.name);
      pending.push(action.run().catch((error: unknown) => log(`${action.name} failed: ${String(error)}`)));
    }
    await sleep(250);
  }
  await Promise.all(pending);
}

/** Fresh topics and their contracts; a registry that just started may be slow to answer its first writes. */
async function createTopics(admin: Admin): Promise<WorkerTopics> {
  const prefix = uniqueName('chaos');
  const topics = {
    pins: `${prefix}.pins`,
    labels: `${prefix}.labels`,
    deadLetters: `${prefix}.dlq`,
    rescans: `${prefix}.rescan`,
    // The worker checks at start that the shadow label topic exists (a reload may add a shadow).
    shadowLabels: `${prefix}.shadow`,
    embeddings: `${prefix}.embeddings`,
    groupId: `${prefix}.group`,
  };
  await admin.createTopics({
    topics: [
      { topic: topics.pins, numPartitions: 6, replicationFactor: 1 },
      { topic: topics.labels, numPartitions: 3, replicationFactor: 1 },
      { topic: topics.deadLetters, numPartitions: 1, replicationFactor: 1 },
      { topic: topics.rescans, numPartitions: 2, replicationFactor: 1 },
      { topic: topics.shadowLabels, numPartitions: 1, replicationFactor: 1 },
      { topic: topics.embeddings, numPartitions: 2, replicationFactor: 1 },
    ],
    waitForLeaders: true,
  });
  const registry = new HttpSchemaRegistry({ baseUrl: stackEnv.schemaRegistryUrl, requestTimeoutMs: 60_000 });
  await registerContracts(registry, topics);
  return topics;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function restartBroker(): Promise<void> {
  log('restarting the broker (data kept)');
  await execAsync('bash', ['scripts/stack.sh', 'restart', 'kafka'], { cwd: new URL(root) });
  log('broker back');
}

async function stall(service: 'redis' | 'registry', ms: number): Promise<void> {
  const { stdout } = await execAsync('bash', ['scripts/stack.sh', 'pid', service], { cwd: new URL(root) });
  const pid = Number(stdout.trim());
  log(`SIGSTOP ${service} (pid ${pid}) for ${ms / 1000} s`);
  const resume = () => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  };
  cleanups.add(`SIGCONT ${service}`, resume); // never leave a service stopped, even on Ctrl-C
  process.kill(pid, 'SIGSTOP');
  await sleep(ms);
  resume();
  log(`SIGCONT ${service}`);
}

/** A graceful leave (SIGTERM: the member leaves the group) and a re-join: two rebalances. */
async function rebalance(fleet: WorkerFleet): Promise<void> {
  const slot = Math.floor(Math.random() * fleet.size);
  log(`forced rebalance: worker ${slot} leaves and re-joins`);
  await fleet.stop(slot);
  fleet.start(slot);
}
