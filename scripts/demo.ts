/**
 * `npm run demo`: the whole system end to end on this machine. Starts the local stack (unless it runs),
 * creates the topics and registers the contracts, serves the fixture images on loopback, starts the
 * worker as its own process, publishes a stream of sample pins (photos, drawings, spam and normal
 * texts, broken records and images), and prints a live summary while labels arrive. Then it stops the
 * worker and what it started, unless `--keep-running`. `--console` also builds and starts the review
 * console on a fresh store with a seeded reviewer and admin (printed), and leaves everything running.
 *
 *   npm run demo -- [--pins 300] [--rate 100] [--keep-running] [--console]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { loadConfig } from '../src/config/load-config.js';
import { AvroCodec } from '../src/contracts/avro-codec.js';
import type { DeadLetter } from '../src/contracts/generated/dead-letter.js';
import type { IntegrityLabel } from '../src/contracts/generated/integrity-label.js';
import { HttpSchemaRegistry } from '../src/contracts/http-schema-registry.js';
import { DEAD_LETTER, INTEGRITY_LABEL, PIN_CREATED } from '../src/contracts/subjects.js';
import { startImageServer } from '../test/support/image-server.js';
import { samplePins } from './demo/sample-pins.js';
import { DemoSummary } from './demo/summary.js';

const { values } = parseArgs({
  options: {
    pins: { type: 'string', default: '300' },
    rate: { type: 'string', default: '100' },
    'keep-running': { type: 'boolean', default: false },
    console: { type: 'boolean', default: false },
  },
});
const keepRunning = values['keep-running'] || values.console;
const pinCount = Number(values.pins);
const rate = Number(values.rate);
const root = new URL('..', import.meta.url);
const run = (command: string, args: string[]) =>
  execFileSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

const stackWasRunning = (() => {
  try {
    execFileSync('bash', ['scripts/stack.sh', 'status'], { cwd: root, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!stackWasRunning) run('bash', ['scripts/stack.sh', 'start']);

const config = loadConfig({ ...process.env, HTTP_PORT: process.env.HTTP_PORT ?? '9464' });
const kafka = new Kafka({
  clientId: 'integrity-demo',
  brokers: [...config.KAFKA_BROKERS],
  logLevel: logLevel.NOTHING,
});
run(process.execPath, ['bin/integrity-worker.js', 'setup']);

const images = await startImageServer();
const worker = startWorkerProcess();
await waitForReady(config.HTTP_PORT);
const reviewConsole = values.console ? await startConsoleProcess() : undefined;

const codec = new AvroCodec(new HttpSchemaRegistry({ baseUrl: config.SCHEMA_REGISTRY_URL }));
const summary = new DemoSummary();
const reader = kafka.consumer({ groupId: `integrity-demo-reader-${Date.now()}` });
await reader.connect();
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
await new Promise((resolve) => setTimeout(resolve, 3000));

const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const pins = samplePins(pinCount, (path: string) => images.url(path));
const started = Date.now();
const ticker = setInterval(() => summary.printLine(pins.length), 1000);
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
  if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
}
const deadline = Date.now() + 120_000;
while (summary.total < pins.length && Date.now() < deadline)
  await new Promise((resolve) => setTimeout(resolve, 200));
clearInterval(ticker);
summary.printFinal(pins.length, (Date.now() - started) / 1000);

await Promise.all([producer.disconnect(), reader.disconnect()]);
if (keepRunning) {
  console.log(
    `\nworker keeps running (pid ${worker.pid}); metrics on http://127.0.0.1:${config.HTTP_PORT}/metrics`,
  );
  if (reviewConsole) {
    console.log(`review console (pid ${reviewConsole.child.pid}): ${reviewConsole.url}`);
    for (const [name, role] of reviewConsole.accounts)
      console.log(`  ${role.padEnd(8)} ${name} / ${reviewConsole.password}`);
    console.log('stop with Ctrl-C here (the worker and console are child processes of this one)');
  }
} else {
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
  await images.close();
  if (!stackWasRunning) run('bash', ['scripts/stack.sh', 'stop']);
}
process.exitCode = summary.total === pins.length ? 0 : 1;

/**
 * The review console as its own process, on a fresh SQLite store (a materialized view: rebuilt from
 * the topics at start), with a reviewer and an admin whose one-time password is printed.
 */
async function startConsoleProcess() {
  run('npm', ['run', '--silent', 'console:build']);
  const port = Number(process.env.CONSOLE_PORT ?? 8480);
  const store = 'var/demo-console.sqlite';
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(new URL(`../${store}${suffix}`, import.meta.url), { force: true });
  const password = randomBytes(9).toString('base64url');
  const env = {
    ...process.env,
    CONSOLE_STORE_URL: `sqlite:${store}`,
    CONSOLE_PORT: String(port),
    CONSOLE_PASSWORD: password,
  };
  const accounts: [string, string][] = [
    ['reviewer', 'reviewer'],
    ['admin', 'admin'],
  ];
  for (const [name, role] of accounts) {
    execFileSync(
      process.execPath,
      ['bin/integrity-worker.js', 'console', 'users', 'add', name, '--role', role],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
  }
  const child = spawn(process.execPath, ['bin/integrity-worker.js', 'console'], {
    cwd: root,
    env: { ...env, FETCH_ALLOW_PRIVATE: '127.0.0.1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > until) throw new Error('the console did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { child, url, password, accounts };
}

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['bin/integrity-worker.js', 'run'], {
    cwd: root,
    env: {
      ...process.env,
      HTTP_PORT: String(config.HTTP_PORT),
      FETCH_ALLOW_PRIVATE: '127.0.0.1',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`worker exited: code ${code} signal ${signal}`);
  });
  return child;
}

async function waitForReady(port: number): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the worker did not become ready within 120 s');
}
