/**
 * The Spark backfill serves what the worker serves by default: its default policy file is the
 * worker's POLICY_FILE default, and that policy names the worker's default models (the job takes its
 * models from the policy's rules).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { modelId } from '../../../src/scores.js';

const job = readFileSync(new URL('../../../backfill/iw_backfill/job.py', import.meta.url), 'utf8');

describe('backfill defaults', () => {
  const defaults = loadConfig({});

  it("uses the worker's default policy file", () => {
    const match = /^DEFAULT_POLICY = "([^"]+)"$/m.exec(job);
    expect(match?.[1]).toBe(defaults.POLICY_FILE);
  });

  it("whose rules name the worker's default models", async () => {
    const policy = await readPolicy(defaults.POLICY_FILE);
    expect(new Set(Object.values(policy.signals).map((rule) => rule.model))).toEqual(
      new Set([modelId(defaults.IMAGE_MODEL), modelId(defaults.TEXT_MODEL)]),
    );
  });
});
