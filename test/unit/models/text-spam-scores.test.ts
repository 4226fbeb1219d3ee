import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { pinText } from '../../../src/preprocess/pin-text.js';
import { TextFeaturizer } from '../../../src/preprocess/text-features.js';
import { padTextBatch } from '../../../src/preprocess/text-tensor.js';
import { loadHeldOut, loadManifest, modelPath } from './text-fixtures.js';

describe('text-spam v1 served scores', () => {
  it('equal training scores on the whole held-out test split to 1e-5', async () => {
    const manifest = loadManifest();
    const bytes = readFileSync(modelPath);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256);
    const featurizer = new TextFeaturizer(manifest.preprocess);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const pins = loadHeldOut();
    expect(pins.length).toBeGreaterThan(800);
    let maxDelta = 0;
    for (let start = 0; start < pins.length; start += 32) {
      const batch = pins.slice(start, start + 32);
      const t = padTextBatch(batch.map((p) => featurizer.featurize(pinText({ ...p, link: '' }))));
      const out = await session.run({
        indices: new ort.Tensor('int64', t.indices, t.dims),
        values: new ort.Tensor('float32', t.values, t.dims),
      });
      const probs = out['probabilities']!.data as Float32Array;
      batch.forEach((pin, i) => {
        maxDelta = Math.max(maxDelta, Math.abs(probs[i * 2 + 1]! - pin.p_spam));
        expect(Math.abs(probs[i * 2]! + probs[i * 2 + 1]! - 1)).toBeLessThan(1e-6);
      });
    }
    console.log(`text-spam held-out pins ${pins.length}, max |p_spam - training| = ${maxDelta.toExponential(2)}`);
    expect(maxDelta).toBeLessThan(1e-5);
    await session.release();
  });
});
