/**
 * `integrity-worker replay --from <pos> --to <pos> --output-topic T [--models a@v,...] [--policy F]
 * [--group G] [--deadletter-topic D] [--resume]`: rescores a range of the input topic into a
 * versioned label topic. It is the worker itself (`startWorker`) with its own consumer group, whose
 * offsets are set to the range's start before it joins; records past the range's end are read and
 * committed without an answer, and the command stops once the group has committed every partition's
 * end. The live group's offsets are never read or written. Positions: see kafka-range.ts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { loadConfig, type Config } from '../config/load-config.js';
import type { MessageHandler } from '../consume/message-handler.js';
import { IntegrityError } from '../errors.js';
import { startWorker } from '../main.js';
import { createLogger } from '../telemetry/logger.js';
import { inRange, parsePosition, rangeSize, resolveRange, type PartitionRange } from './kafka-range.js';
import { ensureOutputTopics } from './output-topics.js';

const USAGE = `usage: integrity-worker replay --from <pos> --to <pos> --output-topic T [--models name@v,...]
       [--policy policy/policy-vN.json] [--group G] [--deadletter-topic D] [--resume]
  pos: earliest | latest | <offset> | <partition>:<offset>,... | ISO time with zone (2026-01-01T00:00:00Z)
  The rest (brokers, registry, input topic, ...) comes from the environment, as for run.`;

/** Answers only the records of the range; the rest are committed with no output. */
export class RangeHandler implements MessageHandler {
  labels = 0;
  deadLetters = 0;
  constructor(
    private readonly inner: MessageHandler,
    private readonly ranges: readonly PartitionRange[],
    private readonly labelTopic: string,
  ) {}

  async handle(message: Parameters<MessageHandler['handle']>[0]) {
    if (!inRange(this.ranges, message.partition, message.offset)) return [];
    const outputs = await this.inner.handle(message);
    for (const output of outputs) {
      if (output.topic === this.labelTopic) this.labels++;
      else this.deadLetters++;
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

async function committedReached(admin: Admin, config: Config, ranges: readonly PartitionRange[]) {
  const [topic] = await admin.fetchOffsets({ groupId: config.KAFKA_GROUP_ID, topics: [config.INPUT_TOPIC] });
  return ranges.every((range) => {
    const committed = topic?.partitions.find((p) => p.partition === range.partition)?.offset ?? '-1';
    return range.start === range.end || BigInt(committed) >= range.end;
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
  if (output === live.LABEL_TOPIC || output === live.INPUT_TOPIC)
    throw new IntegrityError('IW_ARGUMENT_INVALID', `--output-topic ${output} is a live topic`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_GROUP_ID: values.group ?? `${live.KAFKA_GROUP_ID}.replay.${output}`,
    LABEL_TOPIC: output,
    DEADLETTER_TOPIC: values['deadletter-topic'] ?? `${output}.deadletter`,
    HTTP_PORT: process.env.HTTP_PORT ?? '0',
    ...(values.policy && { POLICY_FILE: values.policy }),
  };
  for (const ref of (values.models ?? '').split(',').filter(Boolean))
    env[await modelVariable(live.MODELS_DIR, ref)] = ref;
  const config = loadConfig(env);
  if (config.KAFKA_GROUP_ID === live.KAFKA_GROUP_ID)
    throw new IntegrityError('IW_ARGUMENT_INVALID', `--group ${config.KAFKA_GROUP_ID} is the live group`);
  const from = parsePosition(values.from, '--from');
  const to = parsePosition(values.to, '--to');

  const logger = createLogger(config.LOG_LEVEL);
  const kafka = new Kafka({
    clientId: `${config.KAFKA_CLIENT_ID}-replay`,
    brokers: [...config.KAFKA_BROKERS],
    logLevel: logLevel.WARN,
  });
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
    const began = performance.now();
    let handler: RangeHandler | undefined;
    const worker = await startWorker(config, {
      logger,
      wrapHandler: (inner) => (handler = new RangeHandler(inner, ranges, config.LABEL_TOPIC)),
    });
    try {
      while (!(await committedReached(admin, config, ranges))) await new Promise((r) => setTimeout(r, 500));
    } finally {
      await worker.stop();
    }
    const seconds = (performance.now() - began) / 1000;
    const summary = {
      inputTopic: config.INPUT_TOPIC,
      outputTopic: config.LABEL_TOPIC,
      deadLetterTopic: config.DEADLETTER_TOPIC,
      group: config.KAFKA_GROUP_ID,
      models: [config.IMAGE_MODEL, config.TEXT_MODEL],
      policyFile: config.POLICY_FILE,
      ranges: ranges.map((r) => ({
        partition: r.partition,
        start: r.start.toString(),
        end: r.end.toString(),
      })),
      records: Number(rangeSize(ranges)),
      labels: handler?.labels ?? 0,
      deadLetters: handler?.deadLetters ?? 0,
      seconds: Math.round(seconds * 100) / 100,
    };
    console.log(JSON.stringify(summary));
    return 0;
  } finally {
    await admin.disconnect();
  }
}
