import { describe, expect, it } from 'vitest';
import { RetryingStageRunner } from '../../../src/consume/retrying-stage-runner.js';
import { IntegrityError, isIntegrityError } from '../../../src/errors.js';

const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, budgetMs: 5_000 };

describe('RetryingStageRunner', () => {
  it('retries a retriable failure and reports the attempts it took', async () => {
    const seen: { stage: string; attempts: number; error?: unknown }[] = [];
    const runner = new RetryingStageRunner(policy, (event) => seen.push(event));
    let calls = 0;
    const value = await runner.run('fetch', async () => {
      if (++calls < 3) throw new IntegrityError('IW_FETCH_TIMEOUT', 'slow');
      return 'bytes';
    });
    expect(value).toBe('bytes');
    expect(seen).toMatchObject([{ stage: 'fetch', attempts: 3 }]);
    expect(runner.failedStage).toBeUndefined();
  });

  it('gives up at once on a permanent failure and remembers the stage for the dead letter', async () => {
    const runner = new RetryingStageRunner(policy);
    let calls = 0;
    const error = await runner
      .run('decode', async () => {
        calls++;
        throw new IntegrityError('IW_WIRE_BAD_MAGIC', 'not avro');
      })
      .catch((e: unknown) => e);
    expect(isIntegrityError(error, 'IW_WIRE_BAD_MAGIC')).toBe(true);
    expect(calls).toBe(1);
    expect([runner.failedStage, runner.attempts]).toEqual(['decode', 1]);
  });

  it('stops after the configured attempts and wraps foreign errors as IW_INTERNAL', async () => {
    const runner = new RetryingStageRunner(policy);
    let calls = 0;
    const retriable = await runner
      .run('infer', async () => {
        calls++;
        throw new IntegrityError('IW_INFERENCE_FAILED', 'session died');
      })
      .catch((e: unknown) => e);
    expect(isIntegrityError(retriable, 'IW_INFERENCE_FAILED')).toBe(true);
    expect(calls).toBe(3);
    const foreign = await runner
      .run('policy', () => Promise.reject(new TypeError('bug')))
      .catch((e: unknown) => e);
    expect(isIntegrityError(foreign, 'IW_INTERNAL')).toBe(true);
  });

  it('shares one budget across the stages of a message', async () => {
    const runner = new RetryingStageRunner({
      ...policy,
      attempts: 10,
      baseDelayMs: 50,
      maxDelayMs: 50,
      budgetMs: 80,
    });
    await new Promise((resolve) => setTimeout(resolve, 90));
    let calls = 0;
    await runner
      .run('fetch', async () => {
        calls++;
        throw new IntegrityError('IW_FETCH_TIMEOUT', 'slow');
      })
      .catch(() => undefined);
    // The budget was spent before this stage began: one attempt, no retry.
    expect(calls).toBe(1);
  });

  it('treats a stage that throws before returning a promise like one that rejects', async () => {
    const runner = new RetryingStageRunner(policy);
    let calls = 0;
    const value = await runner.run('cache-lookup', () => {
      if (++calls < 2) throw new IntegrityError('IW_FETCH_TIMEOUT', 'slow');
      return Promise.resolve('hit');
    });
    expect([value, calls]).toEqual(['hit', 2]);
    const error = await runner
      .run('policy', () => {
        throw new IntegrityError('IW_POLICY_INVALID', 'no rule');
      })
      .catch((e: unknown) => e);
    expect(isIntegrityError(error, 'IW_POLICY_INVALID')).toBe(true);
    expect([runner.failedStage, runner.attempts]).toEqual(['policy', 1]);
  });
});
