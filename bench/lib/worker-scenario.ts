/**
 * One end-to-end scenario: fresh topics (contracts registered), pins produced through the real Kafka
 * and registry, the worker as its own process with the real Redis and the local image server, and a
 * reader of the label topic that keeps each label's key and Kafka timestamp (set by the worker's
 * producer when it publishes).
 */
import type { Consumer } from 'kafkajs';
import type { PinCreated } from '../../src/contracts/generated/pin-created.js';
import type { StageName } from '../../src/stage-runner.js';
import { INTEGRITY_LABEL, PIN_CREATED } from '../../src/contracts/subjects.js';
import { uniqueName } from '../../test/support/stack-env.js';
import {
  codec,
  createWorkerTopics,
  kafka,
  producePins,
  workerEnv,
} from '../../test/support/worker-harness.js';
import { latencySummary, sleep, type LatencySummary } from './stats.js';
import { metricSum } from '../../test/support/prometheus-text.js';
import { stageMeans } from './stage-means.js';
import { startWorkerProcess, type WorkerLaunch, type WorkerProcess } from './worker-process.js';

export interface ScenarioResult {
  name: string;
  pins: number;
  labels: number;
  /** Labels after the first published one, over the time from the first to the last label. */
  pinsPerSecond: number;
  /** createdAt to the label's Kafka timestamp. */
  latencyMs: LatencySummary;
  /** True when pins were produced before the worker started: latency then includes waiting in Kafka. */
  latencyIncludesQueueing: boolean;
  offeredPerSecond?: number;
  /**
   * The paced run's latency in two parts, from each label's own `labeledAt` (the worker's clock when
   * the pin's handler finished): createdAt -> labeledAt (waiting for kafkajs's fetch, then the
   * handler's stages) and labeledAt -> the label's Kafka timestamp (waiting for the rest of its
   * chunk, publish).
   */
  latencyPartsMs?: { toLabeledAt: LatencySummary; labeledAtToPublished: LatencySummary };
  durationSeconds: number;
  /** Peak RSS (VmHWM) of the worker process, MiB; with several processes, the highest. */
  peakRssMiB: number;
  /** RSS when the worker became ready (models loaded, nothing processed), MiB; the highest. */
  readyRssMiB: number;
  /** The first worker's process.memoryUsage() peaks by type and at its rss peak, MiB (sampled). */
  memoryMiB?: ReturnType<WorkerProcess['memoryPeaks']>;
  /**
   * The worker's CPU time (all threads, every process) from ready to the last label, per pin, ms:
   * what a pin costs, much less sensitive to other load on the machine than pins/s.
   */
  cpuMsPerPin?: number;
  /**
   * With the workers started first: pins over the time from just before they were produced to the
   * last label (no first-batch bias, unlike pinsPerSecond: what a handful of pins needs).
   */
  pinsPerSecondSinceProduced?: number;
  /** Worker processes, and each one's peak RSS, MiB (only with more than one process). */
  processes?: number;
  peakRssMiBEach?: number[];
  unscored: number;
  deadLetters: number;
  cacheHits: number;
  cacheMisses: number;
  meanBatch: { image: number; text: number };
  /** Mean ms per pipeline stage and per inference batch (compute, queue wait), from /metrics. */
  meanMs: Record<string, number>;
  metricsText?: string;
  /** With a shadow model: when its work for every pin was done too (labelled, shed or failed). */
  shadow?: {
    /** Pins over the time from the first primary label to the last shadow outcome. */
    pinsPerSecond: number;
    labels: number;
    shed: number;
    failed: number;
    /** Mean ms of the signals of one pin, by role (primary, shadow), from iw_signal_set_duration. */
    meanSignalMs: Record<string, number>;
  };
}

export interface ScenarioOptions {
  root: URL;
  name: string;
  partitions: number;
  env: Record<string, string>;
  timeoutMs: number;
  nodeArgs?: readonly string[];
  /** How each worker process is started (default PRODUCTION_LAUNCH: compiled, malloc settings). */
  launch?: WorkerLaunch;
  log: (line: string) => void;
  /** Stages every run of this scenario goes through: one without observations fails the run. */
  stages: readonly StageName[];
  /** The worker serves a shadow model: wait for its work on every pin as well, and report it. */
  shadow?: boolean;
  /** Worker processes in one consumer group, sharing the partitions (default 1). */
  processes?: number;
  /**
   * Start the workers and wait until their group has every one of them before producing the pins
   * (always so with more than one process: none starts with all partitions and rebalances mid-run).
   */
  workersFirst?: boolean;
}

class LabelTimes {
  readonly times = new Map<string, number>();
  /** Each label's `labeledAt`, when constructed with `decode` (the paced run). */
  readonly labeledAt = new Map<string, number>();
  #consumer: Consumer | undefined;

  constructor(private readonly decode = false) {}

  async start(topic: string): Promise<this> {
    this.#consumer = kafka.consumer({ groupId: uniqueName('bench-reader'), maxWaitTimeInMs: 100 });
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic, fromBeginning: true });
    await this.#consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          this.times.set(m.key!.toString(), Number(m.timestamp));
          if (!this.decode) continue;
          const { record } = await codec.decodeAs(INTEGRITY_LABEL, m.value!);
          this.labeledAt.set(m.key!.toString(), record.labeledAt);
        }
      },
    });
    return this;
  }

  async waitFor(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.times.size < count && Date.now() < deadline) await sleep(50);
  }

  stop = async () => this.#consumer?.disconnect();
}

async function withTopics<T>(
  partitions: number,
  body: (topics: Awaited<ReturnType<typeof createWorkerTopics>>) => Promise<T>,
): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  const topics = await createWorkerTopics(admin, partitions);
  try {
    return await body(topics);
  } finally {
    await admin
      .deleteTopics({
        topics: [
          topics.pins,
          topics.labels,
          topics.deadLetters,
          topics.rescans,
          topics.shadowLabels,
          topics.embeddings,
        ],
      })
      .catch(() => undefined);
    await admin.disconnect();
  }
}

function summarize(
  name: string,
  stages: readonly StageName[],
  pins: readonly PinCreated[],
  times: Map<string, number>,
  rss: { peakMiB: number; readyMiB: number },
  metricsText: string,
  queued: boolean,
): ScenarioResult {
  const stamps = pins.map((p) => times.get(p.pinId)).filter((t): t is number => t !== undefined);
  const first = Math.min(...stamps);
  const last = Math.max(...stamps);
  const after = stamps.filter((t) => t > first).length;
  const hist = (model: string) =>
    metricSum(metricsText, 'iw_inference_batch_size_sum', { model }) /
    metricSum(metricsText, 'iw_inference_batch_size_count', { model });
  return {
    name,
    pins: pins.length,
    labels: stamps.length,
    pinsPerSecond: last > first ? after / ((last - first) / 1000) : Number.NaN,
    latencyMs: latencySummary(
      pins.filter((p) => times.has(p.pinId)).map((p) => times.get(p.pinId)! - p.createdAt),
    ),
    latencyIncludesQueueing: queued,
    durationSeconds: (last - first) / 1000,
    peakRssMiB: rss.peakMiB,
    readyRssMiB: rss.readyMiB,
    unscored:
      metricSum(metricsText, 'iw_unscored_total') -
      metricSum(metricsText, 'iw_unscored_total', { reason: 'IW_CONTENT_ABSENT' }),
    deadLetters: metricSum(metricsText, 'iw_dead_letters_total'),
    cacheHits: metricSum(metricsText, 'iw_cache_lookups_total', { result: 'hit' }),
    cacheMisses: metricSum(metricsText, 'iw_cache_lookups_total', { result: 'miss' }),
    meanBatch: {
      image: hist('image-safety@1'),
      text: hist('text-spam@4') || hist('text-spam@2') || hist('text-spam@1'),
    },
    meanMs: stageMeans(metricsText, stages),
  };
}

/**
 * Pins produced first, then the worker started: throughput from the first to the last label. With
 * `processes` > 1 or `workersFirst`, the workers start first, their group forms, then the pins are
 * produced (all at once); metrics are those of every process together.
 */
export async function runThroughput(
  options: ScenarioOptions,
  makePins: () => PinCreated[],
): Promise<ScenarioResult> {
  const count = options.processes ?? 1;
  const workersFirst = options.workersFirst === true || count > 1;
  return withTopics(options.partitions, async (topics) => {
    const pins = makePins();
    if (!workersFirst) await producePins(topics.pins, pins);
    const reader = await new LabelTimes().start(topics.labels);
    const env = workerEnv(topics, options.env);
    const workers: WorkerProcess[] = [];
    let producedAt: number | undefined;
    try {
      // One after another: two models loading at once on a small machine only slow each other.
      for (let i = 0; i < count; i++)
        workers.push(await startWorkerProcess(options.root, env, options.nodeArgs, options.launch));
      const readyRssMiB = Math.max(...workers.map((w) => w.rssMiB()));
      const readyCpu = workers.map((w) => w.cpuSeconds());
      const pids = workers.map((w) => w.pid).join(', ');
      if (workersFirst) {
        await waitForGroup(topics.groupId, count, options.timeoutMs);
        producedAt = Date.now();
        await producePins(topics.pins, pins);
      }
      options.log(
        `${options.name}: ${pins.length} pins queued; worker pid ${pids} ready${workersFirst ? ` (group of ${count} formed first)` : ''}`,
      );
      await reader.waitFor(pins.length, options.timeoutMs);
      const worker = workers[0]!;
      const cpuMsPerPin =
        (workers.reduce((sum, w, i) => sum + w.cpuSeconds() - readyCpu[i]!, 0) * 1000) / pins.length;
      const shadowDone = options.shadow
        ? await waitForShadow(worker, pins.length, options.timeoutMs)
        : undefined;
      const text = (await Promise.all(workers.map((w) => w.metrics()))).join('\n');
      const each = workers.map((w) => w.peakRssMiB());
      const result = {
        ...summarize(
          options.name,
          options.stages,
          pins,
          reader.times,
          { peakMiB: Math.max(...each), readyMiB: readyRssMiB },
          text,
          !workersFirst,
        ),
        ...(count > 1 ? { processes: count, peakRssMiBEach: each } : {}),
        ...(producedAt === undefined || reader.times.size === 0
          ? {}
          : {
              pinsPerSecondSinceProduced:
                reader.times.size / ((Math.max(...reader.times.values()) - producedAt) / 1000),
            }),
      };
      const memoryMiB = worker.memoryPeaks();
      if (shadowDone === undefined) return { ...result, cpuMsPerPin, memoryMiB, metricsText: text };
      const firstLabel = Math.min(...reader.times.values());
      return {
        ...result,
        cpuMsPerPin,
        memoryMiB,
        metricsText: text,
        shadow: {
          pinsPerSecond: pins.length / ((shadowDone - firstLabel) / 1000),
          labels: metricSum(text, 'iw_shadow_comparisons_total'),
          shed: metricSum(text, 'iw_shadow_shed_total'),
          failed: metricSum(text, 'iw_shadow_failures_total'),
          meanSignalMs: Object.fromEntries(
            ['primary', 'shadow'].map((role) => [
              role,
              histogramMean(text, 'iw_signal_set_duration', { role }),
            ]),
          ),
        },
      };
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await reader.stop();
    }
  });
}

/** Waits until the consumer group is stable with `members` members, each with partitions assigned. */
async function waitForGroup(groupId: string, members: number, timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { groups } = await admin.describeGroups([groupId]);
      const group = groups[0];
      if (
        group?.state === 'Stable' &&
        group.members.length === members &&
        group.members.every((m) => m.memberAssignment.length > 0)
      )
        return;
      if (Date.now() > deadline) throw new Error(`group ${groupId} did not form with ${members} members`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The worker started first, then pins produced at `rate` per second with createdAt = send time. */
export async function runPaced(
  options: ScenarioOptions,
  rate: number,
  count: number,
  makePin: (i: number, createdAt: number) => PinCreated,
): Promise<ScenarioResult> {
  return withTopics(options.partitions, async (topics) => {
    const reader = await new LabelTimes(true).start(topics.labels);
    const worker = await startWorkerProcess(
      options.root,
      workerEnv(topics, options.env),
      options.nodeArgs,
      options.launch,
    );
    const readyRssMiB = worker.rssMiB();
    const producer = kafka.producer();
    await producer.connect();
    const pins: PinCreated[] = [];
    try {
      await sleep(3000); // the worker's consumer joins its group after /readyz; do not time the join
      options.log(`${options.name}: ${count} pins at ${rate.toFixed(1)}/s; worker pid ${worker.pid}`);
      const started = Date.now();
      let i = 0;
      while (i < count) {
        const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate) + 1);
        const messages = [];
        for (; i < due; i++) {
          const pin = makePin(i, Date.now());
          pins.push(pin);
          messages.push({ key: pin.pinId, value: await codec.encode(topics.pins, PIN_CREATED, pin) });
        }
        if (messages.length > 0) await producer.send({ topic: topics.pins, messages });
        await sleep(Math.max(1, started + (i / rate) * 1000 - Date.now()));
      }
      await reader.waitFor(count, options.timeoutMs);
      const text = await worker.metrics();
      return {
        ...summarize(
          options.name,
          options.stages,
          pins,
          reader.times,
          { peakMiB: worker.peakRssMiB(), readyMiB: readyRssMiB },
          text,
          false,
        ),
        offeredPerSecond: rate,
        latencyPartsMs: latencyParts(pins, reader),
        metricsText: text,
      };
    } finally {
      await producer.disconnect();
      await worker.stop();
      await reader.stop();
    }
  });
}

function latencyParts(pins: readonly PinCreated[], reader: LabelTimes) {
  const done = pins.filter((p) => reader.times.has(p.pinId) && reader.labeledAt.has(p.pinId));
  return {
    toLabeledAt: latencySummary(done.map((p) => reader.labeledAt.get(p.pinId)! - p.createdAt)),
    labeledAtToPublished: latencySummary(
      done.map((p) => reader.times.get(p.pinId)! - reader.labeledAt.get(p.pinId)!),
    ),
  };
}

/** The mean of a histogram from its `_sum` and `_count` series (whatever unit suffix the exporter adds). */
export function histogramMean(text: string, metric: string, labels: Record<string, string>): number {
  const name = (suffix: string) =>
    text.includes(`${metric}_milliseconds_${suffix}`)
      ? `${metric}_milliseconds_${suffix}`
      : `${metric}_${suffix}`;
  return metricSum(text, name('sum'), labels) / metricSum(text, name('count'), labels);
}

/** Polls the worker's metrics until its shadow work answered for `count` pins; returns when. */
async function waitForShadow(worker: WorkerProcess, count: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await worker.metrics();
    const answered =
      metricSum(text, 'iw_shadow_comparisons_total') +
      metricSum(text, 'iw_shadow_shed_total') +
      metricSum(text, 'iw_shadow_failures_total');
    if (answered >= count || Date.now() > deadline) return Date.now();
    await sleep(250);
  }
}
