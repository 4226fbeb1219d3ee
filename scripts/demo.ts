/**
 * `npm run demo`: the whole system end to end on this machine. Starts the local stack (unless it runs),
 * creates the topics and registers the contracts, serves the fixture images on loopback, starts the
 * worker as its own process, publishes a stream of sample pins (photos, drawings, spam and normal
 * texts, broken records and images), and prints a live summary while labels arrive. Then it stops the
 * worker and what it started, unless `--keep-running`. A failed run (an error, a worker that dies,
 * Ctrl-C, SIGTERM) stops what it started too. `--console` also builds and starts the review console on
 * a fresh store with a seeded reviewer and admin (printed), and leaves everything running.
 *
 *   npm run demo -- [--pins 300] [--rate 100] [--keep-running] [--rollout] [--console]
 *
 * `--rollout`: text-spam@2 as the shadow of text-spam@1, then its canary at 10 %, then promoted,
 * while pins flow (scripts/demo/rollout.ts); 1500 pins at 50/s unless `--pins`/`--rate` say otherwise.
 */
import { execFileSync, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners } from '../src/kafka/kafkajs.js';
import { loadConfig } from '../src/config/load-config.js';
import { AvroCodec } from '../src/contracts/avro-codec.js';
import type { DeadLetter } from '../src/contracts/generated/dead-letter.js';
import type { IntegrityLabel } from '../src/contracts/generated/integrity-label.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from '../src/contracts/http-schema-registry.js';
import { DEAD_LETTER, INTEGRITY_LABEL, PIN_CREATED } from '../src/contracts/subjects.js';
import { startImageServer } from '../test/support/image-server.js';
import { kafkaConnectionOptions } from '../src/kafka/kafka-from-config.js';
import { startConsoleProcess } from './demo/console-process.js';
import { samplePins } from './demo/sample-pins.js';
import { Cleanups } from './lib/cleanups.js';
import { ensureStackStarted } from './lib/stack-control.js';
import { DemoSummary } from './demo/summary.js';
import { prepareRollout, runRollout } from './demo/rollout.js';
import { WORKER_MALLOC_ENV } from '../src/worker-process-env.js';

const { values } = parseArgs({
  options: {
    pins: { type: 'string' },
    rate: { type: 'string' },
    'keep-running': { type: 'boolean', default: false },
    rollout: { type: 'boolean', default: false },
    console: { type: 'boolean', default: false },
  },
});
// A rollout needs a longer stream: each of its two reloads loads and warms models while pins flow.
const pinCount = Number(values.pins ?? (values.rollout ? 1500 : 300));
const rate = Number(values.rate ?? (values.rollout ? 50 : 100));
const root = new URL('..', import.meta.url);
const run = (command: string, args: string[]) =>
  execFileSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

// Everything the demo starts is undone however it ends: success, an error, Ctrl-C or SIGTERM.
const cleanups = new Cleanups();
let keep = false;
try {
  process.exitCode = await demo();
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  if (!keep) await cleanups.run();
  // An interrupted run fails with the signal's code, not with the error the interruption caused.
  if (cleanups.signalExitCode !== undefined) process.exit(cleanups.signalExitCode);
}

async function demo(): Promise<number> {
  const stack = ensureStackStarted(root);
  cleanups.add('stack', () => stack.stop());

  const config = loadConfig({ ...process.env, HTTP_PORT: process.env.HTTP_PORT ?? '9464' });
  const kafka = new Kafka({
    ...kafkaConnectionOptions(config),
    clientId: 'integrity-demo',
    logLevel: logLevel.NOTHING,
  });
  run(process.execPath, ['bin/integrity-worker.js', 'setup']);

  const images = await startImageServer();
  cleanups.add('image server', () => images.close());
  const rollout = values.rollout ? await prepareRollout(cleanups) : undefined;
  const worker = startWorkerProcess(config.HTTP_PORT, rollout?.env);
  cleanups.add('worker', () => worker.stop());
  await Promise.race([waitForReady(config.HTTP_PORT), worker.failed]);
  console.log(`worker ready (pid ${worker.pid})`);
  const reviewConsole = values.console ? await startConsoleProcess(root) : undefined;
  if (reviewConsole) cleanups.add('console', () => reviewConsole.stop());

  const codec = new AvroCodec(
    new HttpSchemaRegistry({ baseUrl: config.SCHEMA_REGISTRY_URL, auth: registryAuthFromConfig(config) }),
  );
  if (rollout)
    return runRollout({
      root,
      config,
      kafka,
      codec,
      setup: rollout,
      imageUrl: (path) => images.url(path),
      workerFailed: worker.failed,
      cleanups,
      pins: pinCount,
      rate,
    });
  const summary = new DemoSummary();
  const reader = kafka.consumer({ groupId: `integrity-demo-reader-${Date.now()}` });
  await reader.connect();
  cleanups.add('reader', () => reader.disconnect());
  await reader.subscribe({ topics: [config.LABEL_TOPIC, config.DEADLETTER_TOPIC], fromBeginning: false });
  await reader.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === config.LABEL_TOPIC) {
        summary.label((await codec.decodeAs(INTEGRITY_LABEL, message.value!)).record as IntegrityLabel);
      } else {
        summary.deadLetter((await codec.decodeAs(DEAD_LETTER, message.value!)).record as DeadLetter);
      }
    },
  });
  // A fresh reader group starts at the end: wait until it is assigned before publishing.
  await Promise.race([sleep(3000), worker.failed]);

  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanups.add('producer', () => producer.disconnect());
  const pins = samplePins(pinCount, (path: string) => images.url(path));
  const started = Date.now();
  const ticker = setInterval(() => summary.printLine(pins.length), 1000);
  cleanups.add('ticker', () => clearInterval(ticker));
  for (let i = 0; i < pins.length; i++) {
    const pin = pins[i]!;
    let value: Buffer;
    if (pin.kind === 'pin') {
      const createdAt = Date.now();
      summary.published(pin.key, createdAt);
      value = await codec.encode(config.INPUT_TOPIC, PIN_CREATED, { ...pin.pin, createdAt });
    } else {
      value = pin.value;
    }
    await producer.send({ topic: config.INPUT_TOPIC, messages: [{ key: pin.key, value }] });
    const due = started + ((i + 1) * 1000) / rate;
    if (due > Date.now()) await Promise.race([sleep(due - Date.now()), worker.failed]);
  }
  const deadline = Date.now() + 120_000;
  while (summary.total < pins.length && Date.now() < deadline)
    await Promise.race([sleep(200), worker.failed]);
  clearInterval(ticker);
  summary.printFinal(pins.length, (Date.now() - started) / 1000);

  if (values['keep-running'] || reviewConsole) {
    keep = true;
    await Promise.all([producer.disconnect(), reader.disconnect()]);
    console.log(
      `\nworker keeps running (pid ${worker.pid}); metrics on http://127.0.0.1:${config.HTTP_PORT}/metrics`,
    );
    if (reviewConsole) {
      console.log(`review console (pid ${reviewConsole.pid}): ${reviewConsole.url}`);
      for (const [name, role] of reviewConsole.accounts)
        console.log(`  ${role.padEnd(8)} ${name} / ${reviewConsole.password}`);
      console.log('stop with Ctrl-C here (the worker and console are child processes of this one)');
    }
  }
  return summary.total === pins.length ? 0 : 1;
}

interface DemoWorker {
  readonly pid: number | undefined;
  /** Rejects when the worker exits before the demo stops it. */
  readonly failed: Promise<never>;
  /** SIGTERM (a graceful stop), SIGKILL if it is still running after 30 s. */
  stop(): Promise<void>;
}

function startWorkerProcess(httpPort: number, extraEnv: Record<string, string> = {}): DemoWorker {
  const child = spawn(process.execPath, ['bin/integrity-worker.js', 'run'], {
    cwd: root,
    env: {
      ...process.env,
      ...WORKER_MALLOC_ENV, // as the Dockerfile starts it
      HTTP_PORT: String(httpPort),
      FETCH_ALLOW_PRIVATE: '127.0.0.1',
      // The first pins may be published before the new group's start offsets are resolved.
      CONSUMER_START_POSITION: process.env.CONSUMER_START_POSITION ?? 'earliest',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`the worker exited (code ${code}, signal ${signal})`));
    });
  });
  failed.catch(() => undefined); // observed by whoever races it; never an unhandled rejection
  return {
    pid: child.pid,
    failed,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForReady(port: number): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(250);
  }
  throw new Error('the worker did not become ready within 120 s');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
