/**
 * `integrity-worker replay --from <pos> --to <pos> --output-topic T [--models a@v,...] [--policy F]
 * [--group G] [--deadletter-topic D] [--rescan-topic R] [--resume]`: rescores a range of the input
 * topic into a versioned label topic. It is the worker itself (`startWorker`) with its own consumer
 * group, whose offsets are set to the range's start before it joins; records past the range's end are
 * read and committed without an answer. The live group's offsets are never read or written.
 *
 * Transient failures are rescanned as the worker does, but through a rescan topic of the replay's own
 * (`<output>.rescan` by default): on the live one, the live worker would label them into the live
 * label topic with the live models, and the replay would read the live worker's rescans. The command
 * stops once its group has committed every partition's end of the range and every record of its
 * rescan topic (RESCAN_MAX_ATTEMPTS and RESCAN_*_DELAY_MS apply, as for `run`). Positions: see
 * kafka-range.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Admin } from 'kafkajs';
import { loadConfig, type Config } from '../config/load-config.js';
import type { MessageHandler } from '../consume/message-handler.js';
import { IntegrityError } from '../errors.js';
import { kafkaFromConfig } from '../kafka/kafka-from-config.js';
import { startWorker } from '../main.js';
import { createLogger } from '../telemetry/logger.js';
import { inRange, parsePosition, rangeSize, resolveRange, type PartitionRange } from './kafka-range.js';
import { ensureOutputTopics } from './output-topics.js';

const USAGE = `usage: integrity-worker replay --from <pos> --to <pos> --output-topic T [--models name@v,...]
       [--policy policy/policy-vN.json] [--group G] [--deadletter-topic D] [--rescan-topic R] [--resume]
  pos: earliest | latest | <offset> | <partition>:<offset>,... | ISO time with zone (2026-01-01T00:00:00Z)
  The rest (brokers, registry, input topic, ...) comes from the environment, as for run.`;

/**
 * Answers only the records of the range (on the input topic) and every record of the replay's own
 * rescan topic (rescans of records of the range); the rest are committed with no output.
 */
export class RangeHandler implements MessageHandler {
  /** Records of the range answered (a transaction's commit marker is an offset, not a record). */
  records = 0;
  labels = 0;
  deadLetters = 0;
  rescans = 0;
  embeddings = 0;
  constructor(
    private readonly inner: MessageHandler,
    private readonly ranges: readonly PartitionRange[],
    private readonly topics: {
      readonly labels: string;
      readonly rescans: string;
      readonly deadLetters: string;
      readonly embeddings: string;
    },
  ) {}

  async handle(message: Parameters<MessageHandler['handle']>[0]) {
    if (message.topic !== this.topics.rescans && !inRange(this.ranges, message.partition, message.offset))
      return [];
    const outputs = await this.inner.handle(message);
    if (message.topic !== this.topics.rescans) this.records++;
    for (const output of outputs) {
      if (output.topic === this.topics.labels) this.labels++;
      else if (output.topic === this.topics.rescans) this.rescans++;
      else if (output.topic === this.topics.embeddings) this.embeddings++;
      else if (output.topic === this.topics.deadLetters) this.deadLetters++;
    }
    return outputs;
  }
}

/** The env variable (IMAGE_MODEL or TEXT_MODEL) a model feeds, from its manifest's preprocess kind. */
async function modelVariable(modelsDir: string, ref: string): Promise<'IMAGE_MODEL' | 'TEXT_MODEL'> {
  const [name, version] = ref.split('@');
  let kind: unknown;
  try {
    const manifest = JSON.parse(
      await readFile(join(modelsDir, name!, version ?? '', 'manifest.json'), 'utf8'),
    );
    kind = (manifest as { preprocess?: { kind?: unknown } }).preprocess?.kind;
  } catch (cause) {
    throw new IntegrityError('IW_MODEL_NOT_FOUND', `--models ${ref}: no manifest in ${modelsDir}`, { cause });
  }
  if (kind === 'image') return 'IMAGE_MODEL';
  if (kind === 'text') return 'TEXT_MODEL';
  throw new IntegrityError('IW_MODEL_MANIFEST', `--models ${ref}: preprocess.kind ${String(kind)}`);
}

/**
 * True when the group committed the end of every range and every record its rescan topic holds.
 * Committed offsets are read before the rescan topic's ends: a record is committed only after what
 * it published (a rescan of it) was acknowledged, so a rescan it asked for is below the ends read
 * afterwards, wherever it went.
 */
export async function replayDone(
  admin: Admin,
  config: Pick<Config, 'KAFKA_GROUP_ID' | 'INPUT_TOPIC' | 'RESCAN_TOPIC'>,
  ranges: readonly PartitionRange[],
): Promise<boolean> {
  const committed = await admin.fetchOffsets({
    groupId: config.KAFKA_GROUP_ID,
    topics: [config.INPUT_TOPIC, config.RESCAN_TOPIC],
  });
  const at = (topic: string, partition: number) =>
    BigInt(
      committed.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition)?.offset ??
        '-1',
    );
  const inputDone = ranges.every(
    (range) => range.start === range.end || at(config.INPUT_TOPIC, range.partition) >= range.end,
  );
  if (!inputDone) return false;
  const rescans = await admin.fetchTopicOffsets(config.RESCAN_TOPIC);
  return rescans.every(
    (p) => BigInt(p.high) === BigInt(p.low) || at(config.RESCAN_TOPIC, p.partition) >= BigInt(p.high),
  );
}

/** Sets the group's rescan-topic partitions it has no offset for to their first record. */
async function readRescansFromTheirStart(admin: Admin, config: Config): Promise<void> {
  const [committed] = await admin.fetchOffsets({
    groupId: config.KAFKA_GROUP_ID,
    topics: [config.RESCAN_TOPIC],
  });
  const unset = (await admin.fetchTopicOffsets(config.RESCAN_TOPIC)).filter(
    (p) => BigInt(committed?.partitions.find((c) => c.partition === p.partition)?.offset ?? '-1') < 0n,
  );
  if (unset.length > 0)
    await admin.setOffsets({
      groupId: config.KAFKA_GROUP_ID,
      topic: config.RESCAN_TOPIC,
      partitions: unset.map((p) => ({ partition: p.partition, offset: p.low })),
    });
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      'output-topic': { type: 'string' },
      'deadletter-topic': { type: 'string' },
      models: { type: 'string' },
      policy: { type: 'string' },
      group: { type: 'string' },
      'rescan-topic': { type: 'string' },
      resume: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.from || !values.to || !values['output-topic']) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const live = loadConfig();
  const output = values['output-topic'];
  const liveTopics = [
    live.LABEL_TOPIC,
    live.INPUT_TOPIC,
    live.DEADLETTER_TOPIC,
    live.RESCAN_TOPIC,
    live.EMBEDDING_TOPIC,
  ];
  if (liveTopics.includes(output))
    throw new IntegrityError('IW_ARGUMENT_INVALID', `--output-topic ${output} is a live topic`);
  const rescanTopic = values['rescan-topic'] ?? `${output}.rescan`;
  if (liveTopics.includes(rescanTopic))
    throw new IntegrityError('IW_ARGUMENT_INVALID', `--rescan-topic ${rescanTopic} is a live topic`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_GROUP_ID: values.group ?? `${live.KAFKA_GROUP_ID}.replay.${output}`,
    LABEL_TOPIC: output,
    DEADLETTER_TOPIC: values['deadletter-topic'] ?? `${output}.deadletter`,
    RESCAN_TOPIC: rescanTopic,
    // Its embeddings (and the near-duplicate index fed from them) are the replay's own, like its labels:
    // the live index never sees a rescored range, and a live snapshot is never overwritten.
    EMBEDDING_TOPIC: `${output}.embeddings`,
    HTTP_PORT: process.env.HTTP_PORT ?? '0',
    ...(values.policy && { POLICY_FILE: values.policy }),
  };
  delete env.NEAR_DUPLICATE_SNAPSHOT_DIR; // the live index's snapshot: a replay's index starts empty
  if (values.models && live.SIGNALS)
    throw new IntegrityError(
      'IW_ARGUMENT_INVALID',
      '--models sets IMAGE_MODEL/TEXT_MODEL, which SIGNALS overrides: give the models in SIGNALS instead',
    );
  for (const ref of (values.models ?? '').split(',').filter(Boolean))
    env[await modelVariable(live.MODELS_DIR, ref)] = ref;
  const config = loadConfig(env);
  if (config.KAFKA_GROUP_ID === live.KAFKA_GROUP_ID)
    throw new IntegrityError('IW_ARGUMENT_INVALID', `--group ${config.KAFKA_GROUP_ID} is the live group`);
  const from = parsePosition(values.from, '--from');
  const to = parsePosition(values.to, '--to');

  const logger = createLogger(config.LOG_LEVEL);
  const kafka = kafkaFromConfig(config, logger, '-replay');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ranges = await resolveRange(admin, config.INPUT_TOPIC, from, to);
    const [existing] = await admin.fetchOffsets({
      groupId: config.KAFKA_GROUP_ID,
      topics: [config.INPUT_TOPIC],
    });
    const used = existing?.partitions.some((p) => BigInt(p.offset) >= 0n) ?? false;
    if (used && !values.resume)
      throw new IntegrityError(
        'IW_ARGUMENT_INVALID',
        `group ${config.KAFKA_GROUP_ID} has offsets already: --resume or another --group`,
      );
    await ensureOutputTopics(admin, config);
    if (!used) {
      await admin.setOffsets({
        groupId: config.KAFKA_GROUP_ID,
        topic: config.INPUT_TOPIC,
        partitions: ranges.map((r) => ({ partition: r.partition, offset: r.start.toString() })),
      });
    }
    // Every rescan this replay asked for is read, whatever CONSUMER_START_POSITION says.
    await readRescansFromTheirStart(admin, config);
    const began = performance.now();
    let handler: RangeHandler | undefined;
    const worker = await startWorker(config, {
      logger,
      wrapHandler: (inner) =>
        (handler = new RangeHandler(inner, ranges, {
          labels: config.LABEL_TOPIC,
          rescans: config.RESCAN_TOPIC,
          deadLetters: config.DEADLETTER_TOPIC,
          embeddings: config.EMBEDDING_TOPIC,
        })),
    });
    try {
      while (!(await replayDone(admin, config, ranges))) await new Promise((r) => setTimeout(r, 500));
    } finally {
      await worker.stop();
    }
    const seconds = (performance.now() - began) / 1000;
    const summary = {
      inputTopic: config.INPUT_TOPIC,
      outputTopic: config.LABEL_TOPIC,
      deadLetterTopic: config.DEADLETTER_TOPIC,
      rescanTopic: config.RESCAN_TOPIC,
      group: config.KAFKA_GROUP_ID,
      models: [config.IMAGE_MODEL, config.TEXT_MODEL],
      policyFile: config.POLICY_FILE,
      ranges: ranges.map((r) => ({
        partition: r.partition,
        start: r.start.toString(),
        end: r.end.toString(),
      })),
      offsets: Number(rangeSize(ranges)),
      records: handler?.records ?? 0,
      labels: handler?.labels ?? 0,
      deadLetters: handler?.deadLetters ?? 0,
      rescans: handler?.rescans ?? 0,
      embeddings: handler?.embeddings ?? 0,
      seconds: Math.round(seconds * 100) / 100,
    };
    console.log(JSON.stringify(summary));
    return 0;
  } finally {
    await admin.disconnect();
  }
}
