/**
 * A versioned policy: per signal, which model feeds it and which class scores trigger REVIEW and
 * BLOCK, plus how signals combine into the pin's decision. The file (`policy/policy-v<N>.json`) is
 * the whole truth: a label's `policyVersion` says exactly which thresholds decided it.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { IntegrityError } from '../errors.js';

export const DECISIONS = ['UNSCORED', 'ALLOW', 'REVIEW', 'BLOCK'] as const;
export type Decision = (typeof DECISIONS)[number];

const thresholds = z.record(z.string().min(1), z.number().min(0).max(1));

const signalRule = z.strictObject({
  model: z.string().min(1),
  review: thresholds,
  block: thresholds,
});

export const policySchema = z.strictObject({
  version: z.string().regex(/^policy-v[0-9]+$/, 'like policy-v1'),
  description: z.string().optional(),
  /** The only combination so far: the most severe decision of the scored signals. */
  combine: z.literal('max-severity'),
  signals: z.record(z.string().regex(/^[a-z]+\.[a-z.]+$/, 'like image.safety'), signalRule),
});

export type Policy = z.infer<typeof policySchema>;
export type SignalRule = z.infer<typeof signalRule>;

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
 * Checks a signal's rule against the classes its model really outputs, so a renamed class fails
 * at start rather than silently never triggering. Throws IW_POLICY_INVALID.
 */
export function checkRuleClasses(
  policy: Policy,
  signal: string,
  modelName: string,
  classes: readonly string[],
): void {
  const rule = policy.signals[signal];
  if (!rule) throw new IntegrityError('IW_POLICY_INVALID', `${policy.version}: no rule for signal ${signal}`);
  if (rule.model !== modelName) {
    throw new IntegrityError(
      'IW_POLICY_INVALID',
      `${policy.version}: ${signal} wants model ${rule.model}, got ${modelName}`,
    );
  }
  for (const level of ['review', 'block'] as const) {
    for (const name of Object.keys(rule[level])) {
      if (!classes.includes(name)) {
        throw new IntegrityError(
          'IW_POLICY_INVALID',
          `${policy.version}: ${signal}.${level}.${name} is not a class of ${modelName}`,
          {
            details: { field: `signals.${signal}.${level}.${name}` },
          },
        );
      }
    }
  }
}

/**
 * Checks at start that the policy has a rule for every declared signal, naming its model and only
 * classes the model outputs. Throws IW_POLICY_INVALID.
 */
export function checkPolicyCovers(
  policy: Policy,
  signals: readonly { name: string; model: { name: string }; classes: readonly string[] }[],
): void {
  for (const s of signals) checkRuleClasses(policy, s.name, s.model.name, s.classes);
}
