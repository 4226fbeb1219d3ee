/**
 * `npm run demo -- --rollout`: a model rollout while pins flow. The worker starts with text-spam@1 as
 * the primary text model and text-spam@2 as its shadow (policy-v1 decides, policy-v2 names @2); after
 * a third of --pins `models set` makes @2 a canary for 10 % of pin ids, a third of --pins after that
 * change applied `models promote` makes it the primary (with policy-v2), and the stream ends a third
 * of --pins after the promotion applied. Both changes go through the real
 * command and the admin endpoint while the producer keeps publishing. The summary reads everything
 * back from Kafka and the worker's /metrics: agreement and flips of the shadow, PSI and latency of
 * both models, labels by role and model per phase, and that every pin got exactly one first-scan
 * label across the reloads (no pin lost, none labelled twice).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import { Partitioners } from '../../src/kafka/kafkajs.js';
import type { Config } from '../../src/config/load-config.js';
import type { AvroCodec } from '../../src/contracts/avro-codec.js';
import type { IntegrityLabel } from '../../src/contracts/generated/integrity-label.js';
import { DEAD_LETTER, INTEGRITY_LABEL, PIN_CREATED } from '../../src/contracts/subjects.js';
import { metricSum } from '../../test/support/prometheus-text.js';
import type { Cleanups } from '../lib/cleanups.js';
import { samplePins, type DemoRecord } from './sample-pins.js';

const PRIMARY = 'image.safety=image-safety@1,text.spam=text-spam@1';
const SHADOW = `${PRIMARY},text.spam=text-spam@2:shadow`;
const CANARY = `${PRIMARY},text.spam=text-spam@2:canary`;
const CANARY_FRACTION = 0.1;
type Phase = 'shadow' | 'canary' | 'promoted';

export interface RolloutSetup {
  readonly dir: string;
  /** What the worker's environment gets on top of the demo's. */
  readonly env: Record<string, string>;
}

/** The served-set file (shadow first) and the worker's env for it: admin token, policies. */
export async function prepareRollout(cleanups: Cleanups): Promise<RolloutSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'iw-demo-rollout-'));
  cleanups.add('rollout files', () => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'served-set.json');
  await writeFile(file, `${JSON.stringify({ signals: SHADOW, canaryFraction: 0 }, null, 2)}\n`);
  return {
    dir,
    env: {
      SERVED_SET_FILE: file,
      ADMIN_TOKEN: randomBytes(24).toString('hex'),
      POLICY_FILE: 'policy/policy-v1.json',
      ROLLOUT_POLICY_FILES: 'policy/policy-v2.json',
    },
  };
}

export interface RolloutContext {
  readonly root: URL;
  readonly config: Config;
  readonly kafka: Kafka;
  readonly codec: AvroCodec;
  readonly setup: RolloutSetup;
  readonly imageUrl: (path: string) => string;
  readonly workerFailed: Promise<never>;
  readonly cleanups: Cleanups;
  readonly pins: number;
  readonly rate: number;
}

/** Pin texts written like pins (training/data/pins/unseen.tsv: never trained on), for variety. */
function pinTexts(root: URL): { title: string; description: string; link: string | null }[] {
  const lines = readFileSync(new URL('training/data/pins/unseen.tsv', root), 'utf8').split('\n').slice(1);
  return lines
    .filter(Boolean)
    .map((line) => line.split('\t'))
    .map(([, , , title = '', description = '', link = '']) => ({ title, description, link: link || null }));
}

/** The demo's stream, re-keyed for this run (unique pin ids) with varied texts. */
function rolloutPins(ctx: RolloutContext): DemoRecord[] {
  const run = Date.now().toString(36);
  const texts = pinTexts(ctx.root);
  // Room for phases that last longer than planned (they count from when their reload applied).
  return samplePins(ctx.pins * 3, ctx.imageUrl).map((record, i) => {
    const key = `rollout-${run}-${i}`;
    if (record.kind === 'raw') return { ...record, key };
    const text = texts[i % texts.length]!;
    return { kind: 'pin', key, pin: { ...record.pin, pinId: key, ...text } };
  });
}

const execFileAsync = promisify(execFile);

export async function runRollout(ctx: RolloutContext): Promise<number> {
  const { config, codec } = ctx;
  const models = async (args: string[]): Promise<string> => {
    const { stdout } = await execFileAsync(
      process.execPath,
      ['bin/integrity-worker.js', 'models', ...args, '--by', 'demo', '--reload'],
      { cwd: ctx.root, env: { ...process.env, ...ctx.setup.env, HTTP_PORT: String(config.HTTP_PORT) } },
    );
    return stdout.trim();
  };

  const records = rolloutPins(ctx);
  const phaseOf = new Map<string, Phase>();
  const published = new Set<string>();
  const labels: { label: IntegrityLabel; role: string }[] = [];
  const shadows = new Map<string, IntegrityLabel>();
  let deadLetters = 0;
  const reader = ctx.kafka.consumer({ groupId: `integrity-demo-rollout-${Date.now()}` });
  await reader.connect();
  ctx.cleanups.add('rollout reader', () => reader.disconnect());
  await reader.subscribe({
    topics: [config.LABEL_TOPIC, config.DEADLETTER_TOPIC, config.SHADOW_LABEL_TOPIC],
    fromBeginning: false,
  });
  await reader.run({
    eachMessage: async ({ topic, message }) => {
      if (topic === config.DEADLETTER_TOPIC) {
        await codec.decodeAs(DEAD_LETTER, message.value!);
        deadLetters++;
        return;
      }
      const label = (await codec.decodeAs(INTEGRITY_LABEL, message.value!)).record as IntegrityLabel;
      if (!phaseOf.has(label.pinId)) return; // another run's label
      if (topic === config.SHADOW_LABEL_TOPIC) shadows.set(label.pinId, label);
      else labels.push({ label, role: message.headers?.['iw-rollout-role']?.toString() ?? '?' });
    },
  });
  await Promise.race([sleep(3000), ctx.workerFailed]);

  const producer = ctx.kafka.producer({
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  ctx.cleanups.add('rollout producer', () => producer.disconnect());
  const changes: Promise<string>[] = [];
  const started = Date.now();
  const firstScans = () =>
    new Set(labels.filter((l) => l.label.attempt === 0).map((l) => l.label.pinId)).size;
  let sent = 0;
  const ticker = setInterval(
    () =>
      console.log(
        `[rollout] published ${sent} (phase ${phase}) | labels ${labels.length} shadow labels ${shadows.size} dead letters ${deadLetters}`,
      ),
    1000,
  );
  ctx.cleanups.add('rollout ticker', () => clearInterval(ticker));
  // Each phase lasts a third of --pins counted from the moment its change was applied (a reload
  // loads and warms models: on a busy machine that takes seconds); the producer never waits for it.
  const perPhase = Math.max(1, Math.floor(ctx.pins / 3));
  let phase: Phase = 'shadow';
  let phaseStart = 0;
  let pending: Promise<string> | undefined;
  const change = (next: Phase, args: string[]) => {
    pending = models(args).then((output) => {
      phase = next;
      phaseStart = sent;
      pending = undefined;
      return output;
    });
    changes.push(pending);
  };
  let deadLettersExpected = 0;
  for (let i = 0; i < records.length; i++) {
    if (pending === undefined && sent - phaseStart >= perPhase) {
      if (phase === 'shadow')
        change('canary', [
          'set',
          '--signals',
          CANARY,
          '--canary-fraction',
          String(CANARY_FRACTION),
          '--policy',
          'policy/policy-v1.json',
          '--rollout-policies',
          'policy/policy-v2.json',
        ]);
      else if (phase === 'canary') change('promoted', ['promote']);
      else break;
    }
    const record = records[i]!;
    let value: Buffer;
    if (record.kind === 'pin') {
      phaseOf.set(record.key, phase);
      published.add(record.key);
      value = await codec.encode(config.INPUT_TOPIC, PIN_CREATED, { ...record.pin, createdAt: Date.now() });
    } else {
      value = record.value;
      deadLettersExpected++;
    }
    await producer.send({ topic: config.INPUT_TOPIC, messages: [{ key: record.key, value }] });
    sent++;
    const due = started + ((i + 1) * 1000) / ctx.rate;
    if (due > Date.now()) await Promise.race([sleep(due - Date.now()), ctx.workerFailed]);
  }
  const outputs = await Promise.race([Promise.all(changes), ctx.workerFailed]);
  const deadline = Date.now() + 120_000;
  while ((firstScans() < published.size || deadLetters < deadLettersExpected) && Date.now() < deadline)
    await Promise.race([sleep(200), ctx.workerFailed]);
  // Shadow labels trail the primary ones (their own queue): wait until none arrived for 3 s.
  for (let last = -1, until = Date.now() + 30_000; shadows.size !== last && Date.now() < until;) {
    last = shadows.size;
    await Promise.race([sleep(3000), ctx.workerFailed]);
  }
  await sleep(2000); // late duplicates, if any, would arrive now
  clearInterval(ticker);
  const metrics = await (await fetch(`http://127.0.0.1:${config.HTTP_PORT}/metrics`)).text();
  printSummary({ outputs, labels, shadows, phaseOf, published, deadLetters, deadLettersExpected, metrics });
  const lost = [...published].filter((id) => !labels.some((l) => l.label.pinId === id)).length;
  return lost === 0 && duplicates(labels) === 0 ? 0 : 1;
}

/** First-scan labels (and rescans) counted more than once for the same event and attempt. */
function duplicates(labels: readonly { label: IntegrityLabel }[]): number {
  const seen = new Set<string>();
  let repeated = 0;
  for (const { label } of labels) {
    const key = `${label.sourceEventId}/${label.attempt}`;
    if (seen.has(key)) repeated++;
    seen.add(key);
  }
  return repeated;
}

function printSummary(r: {
  outputs: string[];
  labels: { label: IntegrityLabel; role: string }[];
  shadows: Map<string, IntegrityLabel>;
  phaseOf: Map<string, Phase>;
  published: Set<string>;
  deadLetters: number;
  deadLettersExpected: number;
  metrics: string;
}): void {
  console.log('\n=== rollout summary ===');
  for (const line of r.outputs) console.log(line.replace(/\n/g, '\n  '));
  const text = (l: IntegrityLabel) => l.signals.find((s) => s.signal === 'text.spam');
  console.log('\nlabels by phase (publish time), role, text model and policy:');
  const byPhase = new Map<string, number>();
  for (const { label, role } of r.labels) {
    const t = text(label);
    const key = `${r.phaseOf.get(label.pinId)} ${role} ${t ? `${t.model.name}@${t.model.version}` : '-'} ${t?.policyVersion ?? '-'}`;
    byPhase.set(key, (byPhase.get(key) ?? 0) + 1);
  }
  for (const [key, n] of [...byPhase].sort()) console.log(`  ${key}: ${n}`);

  // Shadow vs primary, per pin, on the text signal (both scored).
  const flips = new Map<string, number>();
  let compared = 0;
  let agree = 0;
  for (const { label } of r.labels) {
    const shadow = r.shadows.get(label.pinId);
    const p = text(label);
    const s = shadow && text(shadow);
    if (!p || !s || label.attempt !== 0) continue;
    compared++;
    if (p.decision === s.decision) agree++;
    else flips.set(`${p.decision}->${s.decision}`, (flips.get(`${p.decision}->${s.decision}`) ?? 0) + 1);
  }
  console.log(
    `\nshadow text-spam@2 vs primary text-spam@1 (text.spam decisions, from the label topics): ${compared} pins compared, agreement ${pct(agree, compared)}, flips ${JSON.stringify(Object.fromEntries([...flips].sort()))}`,
  );
  for (const model of ['text-spam@1', 'text-spam@2']) {
    const psi = metricSum(r.metrics, 'iw_drift_psi', { model, class: 'spam' });
    const latency = meanMs(r.metrics, model);
    console.log(
      `${model}: PSI(spam) ${psi.toFixed(3)} vs its manifest reference; time of the signals of a pin it served (primary and canary include the image signal) ${latency}`,
    );
  }
  const firstScan = new Set(r.labels.filter((l) => l.label.attempt === 0).map((l) => l.label.pinId));
  const lost = [...r.published].filter((id) => !firstScan.has(id));
  const rescans = r.labels.filter((l) => l.label.attempt > 0).length;
  console.log(
    `\npins published ${r.published.size}: first-scan labels for ${firstScan.size}, lost ${lost.length}, labelled twice ${duplicates(r.labels)} (rescan labels ${rescans}); dead letters ${r.deadLetters} of ${r.deadLettersExpected} broken records`,
  );
  console.log(
    `reloads: applied ${metricSum(r.metrics, 'iw_served_set_reloads_total', { result: 'applied' })}, refused ${metricSum(r.metrics, 'iw_served_set_reloads_total', { result: 'refused' })}; shadow shed ${metricSum(r.metrics, 'iw_shadow_shed_total')}, failed ${metricSum(r.metrics, 'iw_shadow_failures_total')}`,
  );
}

/** Mean time of the signals of one pin served by `model`, by role, from iw_signal_set_duration. */
function meanMs(metrics: string, model: string): string {
  const parts: string[] = [];
  for (const role of ['primary', 'canary', 'shadow']) {
    let sum = 0;
    let count = 0;
    for (const line of metrics.split('\n')) {
      const m = /^iw_signal_set_duration(?:_milliseconds)?_(sum|count)\{([^}]*)\} (\S+)/.exec(line);
      if (!m || !m[2]!.includes(`role="${role}"`) || !m[2]!.includes(model)) continue;
      if (m[1] === 'sum') sum += Number(m[3]);
      else count += Number(m[3]);
    }
    if (count > 0) parts.push(`${role} ${(sum / count).toFixed(1)} ms (${count} pins)`);
  }
  return parts.join(', ') || 'n/a';
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
