/**
 * `npm run models:retrain` end to end on the real stack: pins and reviewer verdicts are produced to
 * topics of this test, the command reads them back, joins verdicts with the pins' texts, retrains
 * text-spam with training/text_spam/retrain.py (the real sources) and, because the verdicts teach a
 * campaign the serving model misses, writes the next version into a copy of models/.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import type { ReviewVerdict } from '../../../src/contracts/generated/review-verdict.js';
import { REVIEW_VERDICT } from '../../../src/contracts/subjects.js';
import { retrain } from '../../../scripts/models/retrain.js';
import { registerContracts } from '../../support/contract-cases.js';
import { minimalPinCreated, reviewVerdict } from '../../support/records.js';
import { stackEnv, uniqueName } from '../../support/stack-env.js';
import { codec, kafka, producePins, registry } from '../../support/worker-harness.js';

const CAMPAIGN = [
  'Earn {n} USDT daily with the Lumora staking bot',
  'Lumora bot doubled my USDT in {n} hours',
  'Passive income: Lumora staking pays {n}% a week',
  'Join Lumora: {n} USDT bonus for new stakers',
];
const NORMAL = [
  'Lemon ricotta pancakes for {n}',
  'Small balcony garden ideas no. {n}',
  'Knitting a cardigan, week {n}',
  'Watercolour sky study {n}',
];

const prefix = uniqueName('retrain');
const topics = {
  pins: `${prefix}.pins`,
  labels: `${prefix}.labels`,
  deadLetters: `${prefix}.dlq`,
  rescans: `${prefix}.rescan`,
  reviews: `${prefix}.reviews`,
};
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iw-retrain-'));
  for (const version of ['1', '2'])
    cpSync(`models/text-spam/${version}`, join(dir, 'models/text-spam', version), { recursive: true });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [topics.pins, topics.reviews].map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  await registerContracts(registry, topics);

  const pins: PinCreated[] = [];
  const verdicts: ReviewVerdict[] = [];
  for (let i = 0; i < 80; i++) {
    const spam = i % 2 === 0;
    const pinId = `${prefix}-pin-${i}`;
    pins.push(
      minimalPinCreated({
        eventId: randomUUID(),
        pinId,
        title: (spam ? CAMPAIGN : NORMAL)[Math.floor(i / 2) % 4]!.replace('{n}', String(10 + i)),
        description: spam ? 'link in bio' : '',
        link: spam ? 'https://lumora-stake.example/r' : null,
      }),
    );
    verdicts.push(
      reviewVerdict({
        verdictId: randomUUID(),
        pinId,
        verdict: spam ? 'VIOLATES' : 'NOT_VIOLATING',
        queue: 'review',
        inclusionProbability: 1,
        reviewedAt: Date.now() + i,
      }),
    );
  }
  // One verdict on an image and one on a pin that never reached the pins topic: neither trains.
  verdicts.push(reviewVerdict({ verdictId: randomUUID(), pinId: pins[0]!.pinId, signal: 'image.safety' }));
  verdicts.push(reviewVerdict({ verdictId: randomUUID(), pinId: `${prefix}-no-pin` }));
  await producePins(topics.pins, pins);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.reviews,
    messages: await Promise.all(
      verdicts.map(async (v) => ({ key: v.pinId, value: await codec.encode(topics.reviews, REVIEW_VERDICT, v) })),
    ),
  });
  await producer.disconnect();
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run models:retrain', () => {
  it('joins verdicts with pin texts, retrains, and writes the next version only through its gate', async () => {
    const summary = await retrain({
      modelsDir: join(dir, 'models'),
      reportDir: join(dir, 'report'),
      verdictsOut: join(dir, 'verdicts.jsonl'),
      env: {
        ...process.env,
        KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: stackEnv.schemaRegistryUrl,
        INPUT_TOPIC: topics.pins,
        REVIEW_TOPIC: topics.reviews,
      },
    });
    const exported = readFileSync(join(dir, 'verdicts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { pinId: string; title: string | null; source: { topic: string } });
    expect(exported).toHaveLength(82);
    expect(exported.find((v) => v.pinId === `${prefix}-pin-0`)?.title).toMatch(/Lumora/);
    expect(exported.find((v) => v.pinId === `${prefix}-no-pin`)?.title).toBeNull();
    expect(exported.every((v) => v.source.topic === topics.reviews)).toBe(true);

    expect(summary).toMatchObject({ passed: true, candidate: 'text-spam@3', serving: 'text-spam@2' });
    expect(summary.heldout_errors.candidate).toBeLessThan(summary.heldout_errors.serving);
    const out = join(dir, 'models/text-spam/3');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      version: string;
      training: { sources: { verdicts: { train: number; heldout: number; other_signal: number } } };
    };
    expect(manifest.version).toBe('3');
    expect(manifest.training.sources.verdicts).toMatchObject({ other_signal: 1 });
    expect(manifest.training.sources.verdicts.train + manifest.training.sources.verdicts.heldout).toBe(80);
    for (const file of ['model.onnx', 'policy.json', 'RETRAIN.md', 'training-verdicts.jsonl'])
      expect(existsSync(join(out, file))).toBe(true);
    expect(readFileSync(join(dir, 'report/RETRAIN.md'), 'utf8')).toMatch(/ACCEPTED/);
  }, 900_000);
});
