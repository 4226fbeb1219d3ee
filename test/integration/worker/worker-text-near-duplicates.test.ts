import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  embeddingCollector,
  kafka,
  labelCollector,
  producePins,
  startTestWorker,
} from '../../support/worker-harness.js';

const SIGNALS = 'text.spam=text-spam@1,text.signature=text-signature@1,text.near_duplicate=text-signature@1';

const textPin = (pinId: string, title: string, description: string, link: string | null): PinCreated =>
  minimalPinCreated({ pinId, title, description, link, image: null });

describe('worker: text near-duplicates (real Kafka, registry, Redis)', () => {
  const admin = kafka.admin();
  let blockEverything: string;

  beforeAll(async () => {
    await admin.connect();
    // A policy under which text-spam@1 BLOCKs every text: the first pin is flagged whatever its score.
    const policy = JSON.parse(await readFile('policy/policy-v1.json', 'utf8')) as {
      version: string;
      signals: Record<string, { block: Record<string, number> }>;
    };
    policy.version = 'policy-v901';
    policy.signals['text.spam']!.block = { spam: 0 };
    blockEverything = join(await mkdtemp(join(tmpdir(), 'iw-textdup-')), 'policy-block-all.json');
    await writeFile(blockEverything, JSON.stringify(policy));
  });
  afterAll(() => admin.disconnect());

  it('flags a BLOCKed spam text re-posted with small edits as its near-duplicate, and not a distinct text', async () => {
    const topics = await createWorkerTopics(admin, 2);
    const labels = await labelCollector(topics.labels);
    const embeddings = await embeddingCollector(topics.embeddings);
    try {
      await producePins(topics.pins, [
        textPin(
          'original',
          'Double your bitcoin in 24 hours',
          'Send 0.1 BTC to our wallet and get 0.2 back, guaranteed returns, contact @cryptoking',
          'https://btc-doubler.top/join',
        ),
      ]);
      const first = await startTestWorker(topics, { SIGNALS, POLICY_FILE: blockEverything });
      try {
        await embeddings.waitFor(1, 90_000);
      } finally {
        await first.worker.stop();
      }
      expect(labels.records.map((r) => [r.key, r.record.decision])).toEqual([['original', 'BLOCK']]);

      // A new worker (the usual policy) builds its text index from the topic before it reads pins.
      const second = await startTestWorker(topics, { SIGNALS });
      try {
        await producePins(topics.pins, [
          textPin(
            'repost',
            '🔥 DOUBLE your bitcoin in 12 hours 🔥',
            'Send 0.5 BTC to our walet and get 1.0 back, guaranteed returns!! contact @kingcrypto2 #crypto',
            'https://btc-doubler-x7.top/vip',
          ),
          textPin(
            'distinct',
            'Crockpot pulled pork',
            'set it and forget it, great for game day sandwiches',
            'https://www.delish.com/crockpot-pulled-pork',
          ),
        ]);
        await labels.waitFor(3, 90_000);
      } finally {
        await second.worker.stop();
      }
      const label = (pinId: string) => labels.records.find((r) => r.key === pinId)!.record;
      const signal = (pinId: string) => label(pinId).signals.find((s) => s.signal === 'text.near_duplicate');
      const original = embeddings.records.find((r) => r.record.pinId === 'original')!.record;
      expect(original).toMatchObject({
        kind: 'TEXT',
        signal: 'text.signature',
        model: { name: 'text-signature', version: '1' },
        output: 'char4-hashed',
        dimension: 512,
        decision: 'BLOCK',
      });
      expect(signal('repost')).toMatchObject({
        decision: 'REVIEW',
        scores: { BLOCK: 1, REVIEW: 0 },
        nearDuplicate: { contentKey: original.contentKey, pinId: 'original', decision: 'BLOCK' },
      });
      expect(signal('repost')!.nearDuplicate!.distance).toBeGreaterThan(0);
      expect(signal('repost')!.nearDuplicate!.distance).toBeLessThanOrEqual(0.2);
      expect(signal('distinct')).toMatchObject({ decision: 'ALLOW', nearDuplicate: null });
      // The signature is an embedding: not part of the label.
      expect(label('repost').signals.map((s) => s.signal)).not.toContain('text.signature');
    } finally {
      await Promise.all([labels.stop(), embeddings.stop()]);
    }
  }, 240_000);
});
