/**
 * `npm run models:retrain` end to end on the real stack: pins and reviewer verdicts are produced to
 * topics of this test, the command reads them back, joins verdicts with the pins' texts, retrains
 * text-spam with training/text_spam/retrain.py (the real sources) and gates the candidate: the
 * verdicts teach a campaign the serving model misses (off-platform contact scams without links), and
 * the gate weighs that against the pin sets.
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
  'Message me on telegram for the vip signals group {n}',
  'Whatsapp the number in my profile for cheap followers {n}',
  'Comment YES and I will send you the secret side hustle {n}',
  'Tap my profile for the giveaway winners list {n}',
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
        description: '',
        link: null,
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
    expect(exported.find((v) => v.pinId === `${prefix}-pin-0`)?.title).toMatch(/telegram|Whatsapp|side hustle|giveaway/);
    expect(exported.find((v) => v.pinId === `${prefix}-no-pin`)?.title).toBeNull();
    expect(exported.every((v) => v.source.topic === topics.reviews)).toBe(true);

    // The candidate learns the campaign (no held-out verdict wrong, where text-spam@2 misses every
    // violating one), but its REVIEW threshold rises on the development pins (ham pins there use the
    // campaign's words: "message me", "comment", "profile"), so it flags fewer spam pins: the gate
    // refuses it and models/ is left as it was.
    expect(summary).toMatchObject({ passed: false, candidate: 'text-spam@3', serving: 'text-spam@2', written: null });
    expect(summary.heldout_errors.candidate).toBeLessThan(summary.heldout_errors.serving);
    expect(existsSync(join(dir, 'models/text-spam/3'))).toBe(false);
    const report = JSON.parse(readFileSync(join(dir, 'report/RETRAIN.json'), 'utf8')) as {
      gate: { passed: boolean; checks: { check: string; ok: boolean }[] };
      verdicts: { train: number; heldout: number; other_signal: number; without_text: number };
    };
    expect(report.gate.checks.filter((c) => !c.ok).map((c) => c.check)).toContain(
      'pins/dev: spam flagged at most -2%',
    );
    expect(report.verdicts).toMatchObject({ other_signal: 1, without_text: 1 });
    expect(report.verdicts.train + report.verdicts.heldout).toBe(80);
    expect(readFileSync(join(dir, 'report/RETRAIN.md'), 'utf8')).toMatch(/REFUSED/);
  }, 900_000);
});
