import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { modelText } from '../../../src/content/text-content.js';
import { embeddingFromBytes } from '../../../src/contracts/embedding-vector.js';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { loadServing } from '../../../src/infer/serving.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  embeddingCollector,
  kafka,
  labelCollector,
  producePins,
  startTestWorker,
} from '../../support/worker-harness.js';

// text-spam@1: the model of the test harness's policy (policy-v1).
const SIGNALS = 'text.spam=text-spam@1,text.embedding=text-embedding@1';
const TEXT = {
  title: 'Easy weeknight chicken curry',
  description: 'One pot, 30 minutes, kids love it',
  link: null,
};

describe('worker: text.embedding (real Kafka, registry, Redis)', () => {
  const admin = kafka.admin();
  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('publishes a TEXT ContentEmbedding of text-embedding@1 for a pin with text, none for a pin without', async () => {
    const topics = await createWorkerTopics(admin, 2);
    const labels = await labelCollector(topics.labels);
    const embeddings = await embeddingCollector(topics.embeddings);
    try {
      await producePins(topics.pins, [
        minimalPinCreated({ pinId: 'curry', ...TEXT }),
        minimalPinCreated({ pinId: 'no-text', title: ' ' }),
      ]);
      const { worker } = await startTestWorker(topics, { SIGNALS });
      try {
        await labels.waitFor(2, 120_000);
        await embeddings.waitFor(1, 30_000);
      } finally {
        await worker.stop();
      }
      const label = (pinId: string) => labels.records.find((r) => r.key === pinId)!.record;
      // The embedding signal is no part of the label; the text model decides alone.
      expect(label('curry').signals.map((s) => s.signal)).toEqual(['text.spam']);
      expect(embeddings.records.map((r) => r.key)).toEqual(['curry']);
      const record = embeddings.records[0]!.record;
      expect(record).toMatchObject({
        pinId: 'curry',
        contentKey: label('curry').signals[0]!.contentKey,
        kind: 'TEXT',
        signal: 'text.embedding',
        model: { name: 'text-embedding', version: '1' },
        output: 'embedding',
        dimension: 384,
        normalized: true,
        decision: label('curry').signals[0]!.decision,
      });
      // The vector the model gives for the pin's model text, here in the test's own session.
      const serving = await loadServing(loadConfig({}), [record.model], {}, createInProcessSession);
      try {
        const scorer = serving.scorer(record.model);
        const want = await scorer.embed!(await scorer.prepare(modelText(TEXT)!));
        const got = embeddingFromBytes(record.vector, 384);
        expect(Math.hypot(...got)).toBeCloseTo(1, 5);
        expect(Math.max(...got.map((x, i) => Math.abs(x - want[i]!)))).toBeLessThan(1e-5);
      } finally {
        await serving.close();
      }
    } finally {
      await Promise.all([labels.stop(), embeddings.stop()]);
    }
  }, 300_000);
});
