import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PinCreated } from '../../../src/contracts/generated/pin-created.js';
import type { SessionFactory } from '../../../src/infer/session-runner.js';
import { createWorkerSession, type WorkerSessionRunner } from '../../../src/infer/worker-session.js';
import { canaryPosition } from '../../../src/signals/rollout-signals.js';
import { SCORABLE_IMAGES } from '../../support/fixture-images.js';
import { minimalPinCreated } from '../../support/records.js';
import {
  createWorkerTopics,
  labelCollector,
  producePins,
  scrape,
  sleep,
  startTestWorker,
  useWorkerTestBed,
} from '../../support/worker-harness.js';
import type { ImageServer } from '../../support/image-server.js';

const bed = useWorkerTestBed();

function pinsFor(prefix: string, count: number, images: ImageServer, from = 0): PinCreated[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return minimalPinCreated({
      pinId: `${prefix}-${i}`,
      title: i % 3 === 0 ? '$$$ FREE MONEY click now $$$' : 'Blue ceramic vase',
      description: 'Hand-thrown stoneware.',
      image: {
        url: images.url(`/images/${SCORABLE_IMAGES[i % SCORABLE_IMAGES.length]!}`),
        signature: null,
        width: null,
        height: null,
        mime: null,
      },
    });
  });
}

/**
 * Scores to 5 decimals: a batch's composition (its size and padding) moves float sums by ~1e-7, and
 * which pins share a batch depends on timing, with or without a shadow.
 */
const rounded = (scores: Record<string, number>) =>
  Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, Number(v.toFixed(5))]));

const PRIMARY = 'image.safety=image-safety@1,text.spam=text-spam@1';
const WITH_SHADOW = `${PRIMARY},text.spam=text-spam@2:shadow`;
const CANARY = `${PRIMARY},text.spam=text-spam@2:canary`;
// policy-v1 names text-spam@1 (the harness's POLICY_FILE); policy-v2 names text-spam@2.
const ROLLOUT_POLICIES = { ROLLOUT_POLICY_FILES: 'policy/policy-v2.json' };

describe('worker: rollouts', () => {
  it('a shadow model labels every pin on the shadow topic and changes no primary label', async () => {
    const pins = pinsFor('shadow', 40, bed.images);
    const run = async (signals: string) => {
      const topics = await createWorkerTopics(bed.admin, 2);
      await producePins(topics.pins, pins);
      const labels = await labelCollector(topics.labels);
      const shadows = await labelCollector(topics.shadowLabels);
      const { worker } = await startTestWorker(topics, {
        SIGNALS: signals,
        CACHE_ENABLED: 'false',
        ...ROLLOUT_POLICIES,
      });
      try {
        await labels.waitFor(pins.length);
        if (signals !== PRIMARY) await shadows.waitFor(pins.length);
        await sleep(500);
        const comparisons = await scrape(worker, 'iw_shadow_comparisons_total');
        return { labels: labels.records, shadows: shadows.records, comparisons };
      } finally {
        await Promise.all([worker.stop(), labels.stop(), shadows.stop()]);
      }
    };
    const plain = await run(PRIMARY);
    const shadowed = await run(WITH_SHADOW);
    const view = (records: typeof plain.labels) =>
      Object.fromEntries(
        records.map((r) => [
          r.record.pinId,
          r.record.signals.map((s) => [
            s.signal,
            `${s.model.name}@${s.model.version}`,
            s.decision,
            rounded(s.scores),
          ]),
        ]),
      );
    expect(shadowed.labels).toHaveLength(pins.length);
    expect(view(shadowed.labels)).toEqual(view(plain.labels));
    expect(shadowed.labels.every((r) => r.headers['iw-rollout-role'] === 'primary')).toBe(true);
    expect(plain.shadows).toHaveLength(0);
    expect(new Set(shadowed.shadows.map((r) => r.key))).toEqual(new Set(pins.map((p) => p.pinId)));
    for (const r of shadowed.shadows) {
      expect(r.headers['iw-rollout-role']).toBe('shadow');
      expect(r.record.signals.map((s) => `${s.signal}=${s.model.name}@${s.model.version}`)).toEqual([
        'text.spam=text-spam@2',
      ]);
      // The shadow's decision uses the policy bound to its model, never the primary's thresholds.
      expect(r.record.signals[0]!.policyVersion).toBe('policy-v2');
    }
    expect(shadowed.comparisons).toBe(pins.length);
  });

  it('a crashing shadow model leaves primary labels and readiness untouched', async () => {
    const pins = pinsFor('crash', 40, bed.images);
    const topics = await createWorkerTopics(bed.admin, 2);
    // The real worker-thread sessions, kept so that the test can kill the shadow's thread; its
    // restart is held back for the rest of the test, so the shadow stays down.
    const sessions: { path: string; session: WorkerSessionRunner }[] = [];
    let holdShadow: Promise<void> = Promise.resolve();
    const createSession: SessionFactory = async (path, options) => {
      if (path.includes('text-spam/2')) await holdShadow;
      const session = await createWorkerSession(path, options);
      sessions.push({ path, session });
      return session;
    };
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(
      topics,
      { SIGNALS: WITH_SHADOW, CACHE_ENABLED: 'false', MEMO_MAX_ENTRIES: '0', ...ROLLOUT_POLICIES },
      { createSession },
    );
    let release: () => void = () => {};
    try {
      const shadow = sessions.find((s) => s.path.includes('text-spam/2'))!;
      expect(shadow).toBeDefined();
      holdShadow = new Promise((resolve) => (release = resolve));
      await shadow.session.thread.terminate();
      await producePins(topics.pins, pins);
      await labels.waitFor(pins.length);
      expect(labels.records).toHaveLength(pins.length);
      expect(worker.isReady()).toBe(true);
      expect((await fetch(`http://127.0.0.1:${worker.httpPort}/readyz`)).status).toBe(200);
      for (const r of labels.records) {
        expect(r.record.signals.map((s) => `${s.signal}=${s.model.name}@${s.model.version}`)).toEqual([
          'image.safety=image-safety@1',
          'text.spam=text-spam@1',
        ]);
        expect(r.record.signals.filter((s) => s.decision === 'UNSCORED')).toEqual([]);
      }
      // The same pins without a shadow get the same decisions and scores.
      const plainTopics = await createWorkerTopics(bed.admin, 2);
      await producePins(plainTopics.pins, pins);
      const plainLabels = await labelCollector(plainTopics.labels);
      const plain = await startTestWorker(plainTopics, { SIGNALS: PRIMARY, CACHE_ENABLED: 'false' });
      try {
        await plainLabels.waitFor(pins.length);
      } finally {
        await Promise.all([plain.worker.stop(), plainLabels.stop()]);
      }
      const view = (records: typeof labels.records) =>
        Object.fromEntries(
          records.map((r) => [r.record.pinId, r.record.signals.map((s) => [s.decision, rounded(s.scores)])]),
        );
      expect(view(labels.records)).toEqual(view(plainLabels.records));
    } finally {
      release();
      await Promise.all([worker.stop(), labels.stop()]);
    }
  });

  it('a canary decides a stable slice of pin ids with the policy that names it; the rest keep the primary', async () => {
    const topics = await createWorkerTopics(bed.admin, 2);
    const pins = pinsFor('canary', 60, bed.images);
    await producePins(topics.pins, pins);
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics, {
      SIGNALS: CANARY,
      CANARY_FRACTION: '0.3',
      ...ROLLOUT_POLICIES,
    });
    try {
      await labels.waitFor(pins.length);
      const byPin = new Map(labels.records.map((r) => [r.record.pinId, r]));
      let canaries = 0;
      for (const pin of pins) {
        const label = byPin.get(pin.pinId)!;
        const text = label.record.signals.find((s) => s.signal === 'text.spam')!;
        const inCanary = canaryPosition(pin.pinId) < 0.3;
        if (inCanary) canaries++;
        expect(text.model.version).toBe(inCanary ? '2' : '1');
        expect(label.record.signals.map((s) => s.policyVersion)).toEqual(
          inCanary ? ['policy-v2', 'policy-v2'] : ['policy-v1', 'policy-v1'],
        );
        expect(label.headers['iw-rollout-role']).toBe(inCanary ? 'canary' : 'primary');
      }
      expect(canaries).toBeGreaterThan(0);
      expect(canaries).toBeLessThan(pins.length);
    } finally {
      await Promise.all([worker.stop(), labels.stop()]);
    }
  });

  it('reloads under load lose and duplicate nothing; a broken set is refused and the old one keeps serving', async () => {
    const topics = await createWorkerTopics(bed.admin, 3);
    const dir = await mkdtemp(join(tmpdir(), 'iw-served-'));
    const file = join(dir, 'served-set.json');
    await writeFile(file, JSON.stringify({ signals: PRIMARY }));
    const first = pinsFor('reload', 300, bed.images);
    await producePins(topics.pins, first);
    const labels = await labelCollector(topics.labels);
    const { worker } = await startTestWorker(topics, {
      SERVED_SET_FILE: file,
      MAX_IN_FLIGHT: '16',
      ...ROLLOUT_POLICIES,
    });
    try {
      const before = worker.servedSetId();
      while (labels.records.length < 30) await sleep(20);
      await writeFile(file, JSON.stringify({ signals: WITH_SHADOW, canaryFraction: 0 }));
      const applied = await worker.reload('test');
      expect(applied).toMatchObject({ applied: true, from: before });
      expect(worker.isReady()).toBe(true);
      const good = worker.servedSetId();
      expect(good).not.toBe(before);
      await writeFile(file, JSON.stringify({ signals: 'image.safety=image-safety@9,text.spam=text-spam@1' }));
      const refused = await worker.reload('test');
      expect(refused).toMatchObject({ applied: false, code: 'IW_MODEL_NOT_FOUND', current: good });
      expect(worker.isReady()).toBe(true);
      expect(worker.servedSetId()).toBe(good);
      // A canary no policy names (no rollout policies): refused, it never runs on @1's thresholds.
      await writeFile(file, JSON.stringify({ signals: CANARY, canaryFraction: 0.5, rolloutPolicyFiles: [] }));
      const unbound = await worker.reload('test');
      expect(unbound).toMatchObject({ applied: false, code: 'IW_POLICY_MODEL_MISMATCH', current: good });
      expect(worker.servedSetId()).toBe(good);
      await writeFile(file, JSON.stringify({ signals: CANARY, canaryFraction: 0.5 }));
      expect(await worker.reload('test')).toMatchObject({ applied: true });
      const second = pinsFor('reload', 100, bed.images, 300);
      await producePins(topics.pins, second);
      await labels.waitFor(400, 120_000);
      await sleep(1000);
      const ids = labels.records.map((r) => r.record.pinId);
      expect(ids).toHaveLength(400);
      expect(new Set(ids).size).toBe(400);
      expect(await scrape(worker, 'iw_served_set_reloads_total', { result: 'refused' })).toBe(2);
      expect(await scrape(worker, 'iw_served_set_reloads_total', { result: 'applied' })).toBe(2);
      // After the last reload, pins in the canary slice are decided by text-spam@2 and policy-v2.
      const late = labels.records.filter((r) => Number(r.record.pinId.split('-')[1]) >= 300);
      for (const r of late) {
        const text = r.record.signals.find((s) => s.signal === 'text.spam')!;
        const inCanary = canaryPosition(r.record.pinId) < 0.5;
        expect(text.model.version).toBe(inCanary ? '2' : '1');
        expect(text.policyVersion).toBe(inCanary ? 'policy-v2' : 'policy-v1');
      }
    } finally {
      await Promise.all([worker.stop(), labels.stop()]);
    }
  });
});
