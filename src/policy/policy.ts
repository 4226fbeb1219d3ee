/**
 * A versioned policy: per signal, which model version feeds it and which class scores trigger REVIEW
 * and BLOCK; what an UNSCORED signal decides, per reason code; and how signals combine into the pin's
 * decision. The file (`policy/policy-v<N>.json`) is the whole truth: a label's `policyVersion` says
 * exactly which thresholds and rules decided it.
 *
 * Thresholds are bound to a model version (`"model": "text-spam@2"`): a policy whose rule names
 * another version than the one the worker serves refuses to load (IW_POLICY_MODEL_MISMATCH), so
 * `image-safety@2` can never run on `image-safety@1`'s thresholds.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ERROR_CODES, IntegrityError } from '../errors.js';
import { modelId, type ModelRef } from '../scores.js';

export const DECISIONS = ['UNSCORED', 'ALLOW', 'REVIEW', 'BLOCK'] as const;
export type Decision = (typeof DECISIONS)[number];

const thresholds = z.record(z.string().min(1), z.number().min(0).max(1));

const signalRule = z.strictObject({
  /** The one model version these thresholds were chosen for: `<name>@<version>`. */
  model: z.string().regex(/^[a-z0-9-]+@[A-Za-z0-9._-]+$/, 'like text-spam@1 (<name>@<version>)'),
  review: thresholds,
  block: thresholds,
});

/**
 * What an UNSCORED signal decides when it will not be rescanned: IGNORE (it does not count, as for
 * a pin without an image), or a decision of its own (REVIEW by default: never a silent ALLOW).
 */
export const UNSCORED_RULES = ['IGNORE', 'ALLOW', 'REVIEW', 'BLOCK'] as const;
export type UnscoredRule = (typeof UNSCORED_RULES)[number];
const unscoredRule = z.enum(UNSCORED_RULES);
const errorCode = z
  .string()
  .refine((code) => Object.hasOwn(ERROR_CODES, code), 'not a worker error code (src/errors.ts)');

const unscoredRules = z.strictObject({
  /** The rule for a reason code the `reasons` map does not name. */
  default: unscoredRule.default('REVIEW'),
  /** Per reason code. IW_CONTENT_ABSENT (no image, no text) is IGNORE unless named here. */
  reasons: z.record(errorCode, unscoredRule).default({}),
  /**
   * While a transient failure waits for its rescan: HOLD (the pin is UNSCORED unless another signal
   * says REVIEW or BLOCK; the rescan's label supersedes it) or REVIEW.
   */
  pending: z.enum(['HOLD', 'REVIEW']).default('HOLD'),
});

export const policySchema = z.strictObject({
  version: z.string().regex(/^policy-v[0-9]+$/, 'like policy-v1'),
  description: z.string().optional(),
  /** The only combination so far: the most severe decision of the signals (see PolicyEngine). */
  combine: z.literal('max-severity'),
  signals: z.record(z.string().regex(/^[a-z]+\.[a-z._]+$/, 'like image.safety'), signalRule),
  unscored: unscoredRules.default({ default: 'REVIEW', reasons: {}, pending: 'HOLD' }),
});

export type Policy = z.infer<typeof policySchema>;
export type SignalRule = z.infer<typeof signalRule>;
export type UnscoredRules = z.infer<typeof unscoredRules>;

/** Validates a policy. Throws IW_POLICY_INVALID naming `file` and the first bad field. */
export function parsePolicy(value: unknown, file: string): Policy {
  const result = policySchema.safeParse(value);
  if (result.success) return Object.freeze(result.data);
  const first = result.error.issues[0];
  const field = first?.path.join('.') || '(root)';
  throw new IntegrityError('IW_POLICY_INVALID', `${file}: field ${field}: ${first?.message ?? 'invalid'}`, {
    details: { file, field },
  });
}

export async function readPolicy(file: string): Promise<Policy> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new IntegrityError('IW_POLICY_INVALID', `${file}: cannot read JSON`, { cause, details: { file } });
  }
  return parsePolicy(value, file);
}

/**
 * Checks a signal's rule against the model version really served and the classes it outputs, so a
 * new model version or a renamed class fails at start rather than running on thresholds chosen for
 * another model. Throws IW_POLICY_MODEL_MISMATCH (other version or model) or IW_POLICY_INVALID.
 */
export function checkRuleClasses(
  policy: Policy,
  signal: string,
  model: ModelRef,
  classes: readonly string[],
): void {
  const rule = policy.signals[signal];
  if (!rule) throw new IntegrityError('IW_POLICY_INVALID', `${policy.version}: no rule for signal ${signal}`);
  if (rule.model !== modelId(model)) {
    throw new IntegrityError(
      'IW_POLICY_MODEL_MISMATCH',
      `${policy.version}: the thresholds of ${signal} are for ${rule.model}, the worker serves ${modelId(model)}`,
      { details: { signal, policyModel: rule.model, servedModel: modelId(model) } },
    );
  }
  for (const level of ['review', 'block'] as const) {
    for (const name of Object.keys(rule[level])) {
      if (!classes.includes(name)) {
        throw new IntegrityError(
          'IW_POLICY_INVALID',
          `${policy.version}: ${signal}.${level}.${name} is not a class of ${rule.model}`,
          { details: { field: `signals.${signal}.${level}.${name}` } },
        );
      }
    }
  }
}

/**
 * Checks at start that the policy has a rule for every declared signal, bound to the model version
 * the signal is served by and naming only classes it outputs. Throws IW_POLICY_MODEL_MISMATCH or
 * IW_POLICY_INVALID.
 */
export function checkPolicyCovers(
  policy: Policy,
  signals: readonly { name: string; model: ModelRef; classes: readonly string[] }[],
): void {
  for (const s of signals) checkRuleClasses(policy, s.name, s.model, s.classes);
}
