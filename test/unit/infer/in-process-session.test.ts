import { describe, expect, it } from 'vitest';
import { createInProcessSession, toOrtOptions } from '../../../src/infer/in-process-session.js';
import { ModelRepository } from '../../../src/infer/model-repository.js';
import { loadTextModelKind } from '../../../src/infer/text-model-kind.js';

describe('in-process session options', () => {
  it('turns spinning off with both pools config entries, and leaves ORT its default otherwise', () => {
    expect(toOrtOptions({ allowSpinning: false }).extra).toEqual({
      session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } },
    });
    expect(toOrtOptions({ allowSpinning: true }).extra).toBeUndefined();
    expect(toOrtOptions({}).extra).toBeUndefined();
  });

  // That the entries take effect (CPU while idle between runs) is measured by bench/ort-spinning.ts.
  it('a session without spinning loads and scores', async () => {
    const repo = new ModelRepository({
      root: 'models',
      createSession: createInProcessSession,
      session: { intraOpNumThreads: 2, allowSpinning: false },
    });
    const model = await repo.load('text-spam', '1');
    try {
      const kind = await loadTextModelKind(model);
      const texts = ['buy cheap pills now', 'a quiet walk by the lake'];
      const out = await model.session.run(kind.packer.pack(texts.map((t) => kind.prepare(t))));
      const p = out['probabilities']!.data as Float32Array;
      expect(p).toHaveLength(4);
      for (const v of p) expect(v).toBeGreaterThanOrEqual(0);
      expect(p[0]! + p[1]!).toBeCloseTo(1, 5);
    } finally {
      await model.session.close();
    }
  });
});
