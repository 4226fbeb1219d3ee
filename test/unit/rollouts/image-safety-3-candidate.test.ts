import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemorySignalCache } from '../../../src/cache/in-memory-signal-cache.js';
import { promoted } from '../../../src/cli/models-command.js';
import { listModels } from '../../../src/cli/models-list.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { contentOf } from '../../../src/content/content.js';
import { createInProcessSession } from '../../../src/infer/in-process-session.js';
import { currentSpec, loadServedSet, parseSignalList } from '../../../src/pipeline/served-set-loader.js';
import type { ServedSet } from '../../../src/pipeline/served-set.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { modelId, type SignalValue } from '../../../src/scores.js';
import { declaredSignals } from '../../../src/signals/catalog.js';
import { canaryPosition } from '../../../src/signals/rollout-signals.js';
import { ScoreMemo } from '../../../src/signals/score-memo.js';
import type { StageRunner } from '../../../src/stage-runner.js';

// image-safety@3 (int8) is offered as a candidate through the rollout machinery only: a shadow or a
// canary next to image-safety@1, decided by policy-v4 (bound to @3), never the default.
const stages: StageRunner = { run: (_stage, work) => work({ attempt: 1, remainingMs: 30_000 }) };
const photo = readFileSync('test/fixtures/images/photo-chelsea.jpg');
const PRIMARY = 'image.safety=image-safety@1,text.spam=text-spam@2';
// policy-v4 binds text.spam to text-spam@2, so the candidate is tested beside @2 under policy-v2 (the
// default before text-spam@4 and policy-v5).
const config = loadConfig({
  ORT_INTRA_OP_THREADS: '1',
  TEXT_MODEL: 'text-spam@2',
  POLICY_FILE: 'policy/policy-v2.json',
});
const opened: ServedSet[] = [];

async function load(
  signals: string,
  canaryFraction: number,
  rolloutPolicyFiles: string[],
): Promise<ServedSet> {
  const set = await loadServedSet(
    config,
    {
      signals: declaredSignals({ ...config, SIGNALS: parseSignalList(signals) }),
      canaryFraction,
      policyFile: config.POLICY_FILE,
      rolloutPolicyFiles,
    },
    {
      cache: new InMemorySignalCache(60_000),
      memo: new ScoreMemo<SignalValue>(0),
      decodedImages: { run: (_value, work) => work() },
      createSession: createInProcessSession,
    },
  );
  opened.push(set);
  return set;
}

afterAll(() => Promise.all(opened.map((s) => s.close())));

describe('image-safety@3 as a rollout candidate', () => {
  it('is derived from the image-safety@1 file on disk, with the same inputs, outputs and preprocessing', () => {
    const read = (v: string) =>
      JSON.parse(readFileSync(`models/image-safety/${v}/manifest.json`, 'utf8')) as Record<
        string,
        unknown
      > & { sha256: string; source: { model: string; sha256: string } };
    const [v1, v3] = [read('1'), read('3')];
    const fileSha = createHash('sha256')
      .update(readFileSync('models/image-safety/1/model.onnx'))
      .digest('hex');
    expect(v3.source).toMatchObject({ model: 'image-safety@1', sha256: fileSha });
    expect(v1.sha256).toBe(fileSha);
    for (const field of ['inputs', 'outputs', 'embeddings', 'preprocess', 'thresholds'])
      expect(v3[field]).toEqual(v1[field]);
  });

  it('is not the default: the default set serves image-safety@1 under policy-v5', async () => {
    const spec = await currentSpec(loadConfig({ ORT_INTRA_OP_THREADS: '1' }));
    expect(spec.policyFile).toBe('policy/policy-v5.json');
    const image = spec.signals.filter((d) => d.name.startsWith('image.')).map((d) => modelId(d.model));
    expect(new Set(image)).toEqual(new Set(['image-safety@1']));
    expect((await readPolicy('policy/policy-v5.json')).signals['image.safety']!.model).toBe('image-safety@1');
  });

  it('serves as a shadow: scored after the primaries, decided by policy-v4 with @1 thresholds', async () => {
    const set = await load(`${PRIMARY},image.safety=image-safety@3:shadow`, 0, ['policy/policy-v4.json']);
    expect(set.policy.version).toBe('policy-v2');
    expect(set.shadowPolicy.version).toBe('policy-v4');
    expect(set.rollout.shadows.map((s) => modelId(s.model))).toEqual(['image-safety@3']);
    expect(set.rollout.deciding('any-pin').signals.map((s) => modelId(s.model))).toEqual([
      'image-safety@1',
      'text-spam@2',
    ]);
    const contents = { image: contentOf('image', photo) };
    const [primary] = await set.runner.run(contents, stages, set.rollout.primaries);
    const [shadow] = await set.runner.run(contents, stages, set.rollout.shadows);
    expect(shadow).toMatchObject({ signal: 'image.safety', model: { name: 'image-safety', version: '3' } });
    expect(primary!.model).toEqual({ name: 'image-safety', version: '1' });
    expect(Object.keys(shadow!.scores!)).toEqual(Object.keys(primary!.scores!));
    // A benign photo: both versions call it Neutral and ALLOW, each under its own policy.
    const top = (s: Readonly<Record<string, number>>) => Object.entries(s).sort((a, b) => b[1] - a[1])[0]![0];
    expect(top(shadow!.scores!)).toBe('Neutral');
    expect(top(primary!.scores!)).toBe('Neutral');
    expect(set.shadowPolicy.decideSignals([shadow!]).decision).toBe('ALLOW');
    expect(set.policy.decideSignals([primary!]).decision).toBe('ALLOW');
  }, 120_000);

  it('serves as a canary: a stable slice of pin ids is decided by @3 and policy-v4, the rest by @1', async () => {
    const set = await load(`${PRIMARY},image.safety=image-safety@3:canary`, 0.3, ['policy/policy-v4.json']);
    expect(set.canaryPolicy.version).toBe('policy-v4');
    const ids = Array.from({ length: 200 }, (_, i) => `pin-${i}`);
    for (const id of ids) {
      const deciding = set.rollout.deciding(id);
      const image = deciding.signals.find((s) => s.name === 'image.safety')!;
      expect(modelId(image.model)).toBe(canaryPosition(id) < 0.3 ? 'image-safety@3' : 'image-safety@1');
      expect(deciding.role).toBe(canaryPosition(id) < 0.3 ? 'canary' : 'primary');
    }
    const results = await set.runner.run(
      { image: contentOf('image', photo) },
      stages,
      set.rollout.withCanaries,
    );
    expect(results.map((r) => `${r.signal}=${modelId(r.model)}`)).toEqual([
      'image.safety=image-safety@3',
      'text.spam=text-spam@2',
    ]);
    expect(set.canaryPolicy.decideSignals(results).signals[0]!.decision).toBe('ALLOW');
  }, 120_000);

  it('without policy-v4 the candidate is refused: @3 never runs on @1 policy thresholds', async () => {
    await expect(load(`${PRIMARY},image.safety=image-safety@3:canary`, 0.3, [])).rejects.toMatchObject({
      code: 'IW_POLICY_MODEL_MISMATCH',
    });
    await expect(
      load(`${PRIMARY},image.safety=image-safety@3:shadow`, 0, ['policy/policy-v3.json']),
    ).rejects.toMatchObject({
      code: 'IW_POLICY_MODEL_MISMATCH',
    });
  }, 120_000);

  it('promote moves the canary to primary under policy-v4, the old policy stays for a rollback', () => {
    const next = promoted({ signals: `${PRIMARY},image.safety=image-safety@3:canary`, canaryFraction: 0.1 }, [
      {
        file: 'policy/policy-v2.json',
        models: { 'image.safety': 'image-safety@1', 'text.spam': 'text-spam@2' },
      },
      {
        file: 'policy/policy-v4.json',
        models: { 'image.safety': 'image-safety@3', 'text.spam': 'text-spam@2' },
      },
    ]);
    expect(next).toEqual({
      signals: 'text.spam=text-spam@2:primary,image.safety=image-safety@3:primary',
      canaryFraction: 0,
      policyFile: 'policy/policy-v4.json',
      rolloutPolicyFiles: ['policy/policy-v2.json'],
    });
  });

  it('models list shows it as a candidate bound to policy-v4, and its role once a set serves it', async () => {
    const byId = async (env: Record<string, string>) =>
      new Map((await listModels(loadConfig(env))).map((m) => [m.id, m]));
    const plain = await byId({});
    expect(plain.get('image-safety@3')).toMatchObject({
      status: 'candidate',
      policies: ['policy-v4'],
      from: 'int8 static QDQ of image-safety@1',
    });
    expect(plain.get('image-safety@1')!.status).toBe('primary');
    const shadowed = await byId({ SIGNALS: `${PRIMARY},image.safety=image-safety@3:shadow` });
    expect(shadowed.get('image-safety@3')!.status).toBe('shadow');
  });
});
