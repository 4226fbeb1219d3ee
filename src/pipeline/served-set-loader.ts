/**
 * Builds a served set from its spec (declared signals with roles, canary fraction, policy files): loads
 * and warms every model it names, picks for each deciding set (primaries; primaries with the canaries
 * in their place; the shadows) the policy whose rules name exactly its models, and only then hands it
 * over. A spec that fails anywhere throws (IW_POLICY_MODEL_MISMATCH when no policy names a set's
 * models) and leaves nothing open: the caller keeps the set it has.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/load-config.js';
import { IntegrityError, toIntegrityError } from '../errors.js';
import { loadServing, type ServingTelemetry } from '../infer/serving.js';
import { PolicyEngine } from '../policy/policy-engine.js';
import { checkPolicyCovers, readPolicy } from '../policy/policy.js';
import { modelId, parseSignalDeclaration, type SignalDeclaration } from '../scores.js';
import type { SignalCache } from '../cache/signal-cache.js';
import { createSignals, declaredSignals, servedModels } from '../signals/catalog.js';
import { RolloutSignals } from '../signals/rollout-signals.js';
import type { ScoreMemo } from '../signals/score-memo.js';
import type { Gate, Signal } from '../signals/signal.js';
import type { SessionFactory } from '../infer/session-runner.js';
import { SignalRunner } from '../signals/signal-runner.js';
import type { ServedSet } from './served-set.js';

export interface ServedSetSpec {
  readonly signals: readonly SignalDeclaration[];
  readonly canaryFraction: number;
  readonly policyFile: string;
  /** Policies for the canary and shadow sets (the primary policy is tried first). */
  readonly rolloutPolicyFiles: readonly string[];
}

export type ServedSetConfig = Parameters<typeof loadServing>[0] &
  Pick<
    Config,
    | 'SIGNALS'
    | 'IMAGE_MODEL'
    | 'TEXT_MODEL'
    | 'CANARY_FRACTION'
    | 'POLICY_FILE'
    | 'ROLLOUT_POLICY_FILES'
    | 'CACHE_NAMESPACE'
  > & {
    readonly SERVED_SET_FILE?: string | undefined;
  };

/** The served-set file as written by `models promote|rollback` (and by hand). */
export interface ServedSetFile {
  signals: string;
  canaryFraction?: number;
  policyFile?: string;
  rolloutPolicyFiles?: string[];
  /** Who changed it and when, and what it was before (the audit trail). */
  changedBy?: string;
  changedAt?: string;
  previous?: Omit<ServedSetFile, 'previous'>;
}

export function parseSignalList(text: string): SignalDeclaration[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map(parseSignalDeclaration);
}

export async function readServedSetFile(file: string): Promise<ServedSetFile> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new IntegrityError('IW_CONFIG_INVALID', `served-set file ${file} is not readable JSON`, {
      cause: error,
    });
  }
  const v = value as Partial<ServedSetFile> | null;
  if (!v || typeof v.signals !== 'string')
    throw new IntegrityError('IW_CONFIG_INVALID', `served-set file ${file}: "signals" must be a string`);
  if (v.canaryFraction !== undefined && !(v.canaryFraction >= 0 && v.canaryFraction <= 1))
    throw new IntegrityError(
      'IW_CONFIG_INVALID',
      `served-set file ${file}: canaryFraction must be in [0, 1]`,
    );
  return v as ServedSetFile;
}

/** The spec to serve: the served-set file when configured (read again at every reload), else the env. */
export async function currentSpec(config: ServedSetConfig): Promise<ServedSetSpec> {
  if (config.SERVED_SET_FILE !== undefined) {
    const file = await readServedSetFile(config.SERVED_SET_FILE);
    return {
      signals: declaredSignals({ ...config, SIGNALS: parseSignalList(file.signals) }),
      canaryFraction: file.canaryFraction ?? config.CANARY_FRACTION,
      policyFile: file.policyFile ?? config.POLICY_FILE,
      rolloutPolicyFiles: file.rolloutPolicyFiles ?? config.ROLLOUT_POLICY_FILES,
    };
  }
  return {
    signals: declaredSignals(config),
    canaryFraction: config.CANARY_FRACTION,
    policyFile: config.POLICY_FILE,
    rolloutPolicyFiles: config.ROLLOUT_POLICY_FILES,
  };
}

export interface ServedSetDeps extends ServingTelemetry {
  readonly cache: SignalCache;
  /** Shared by every set: its keys carry model@version, so sets never read each other's scores. */
  readonly memo: ScoreMemo;
  readonly decodedImages: Gate<Buffer>;
  /** Where model sessions run (tests). */
  readonly createSession?: SessionFactory | undefined;
}

type Covered = readonly Pick<Signal, 'name' | 'model' | 'classes'>[];

/**
 * The first policy whose rules are bound to exactly these signals' models (and name only classes they
 * output). Throws the primary policy's own error when none is: IW_POLICY_MODEL_MISMATCH naming the
 * signal, the model it is served by and the model its thresholds were chosen for.
 */
export function policyFor(policies: readonly PolicyEngine[], signals: Covered, what: string): PolicyEngine {
  let first: unknown;
  for (const engine of policies) {
    try {
      checkPolicyCovers(engine.policy, signals);
      return engine;
    } catch (error) {
      first ??= error;
    }
  }
  const cause = toIntegrityError(first);
  throw new IntegrityError(
    cause.code,
    `no policy of ${policies.map((p) => p.version).join(', ')} covers the ${what} models: ${cause.message}`,
    { cause, ...(cause.details && { details: { ...cause.details } }) },
  );
}

export async function loadServedSet(
  config: ServedSetConfig,
  spec: ServedSetSpec,
  deps: ServedSetDeps,
): Promise<ServedSet> {
  const policies = await Promise.all(
    [spec.policyFile, ...spec.rolloutPolicyFiles.filter((f) => f !== spec.policyFile)].map(
      async (file) => new PolicyEngine(await readPolicy(file)),
    ),
  );
  const serving = await loadServing(config, servedModels(spec.signals), deps, deps.createSession);
  try {
    const signals = createSignals(spec.signals, {
      scorer: (model) => serving.scorer(model),
      decodedImages: deps.decodedImages,
    });
    const rollout = new RolloutSignals(signals, spec.canaryFraction);
    // The primaries are decided by the primary policy only: promotion is what changes it.
    const policy = policyFor(policies.slice(0, 1), rollout.primaries, 'primary');
    const canaryPolicy = rollout.hasCanaries ? policyFor(policies, rollout.withCanaries, 'canary') : policy;
    const shadowPolicy = rollout.shadows.length > 0 ? policyFor(policies, rollout.shadows, 'shadow') : policy;
    const runner = new SignalRunner(rollout.primaries, deps.cache, deps.memo, config.CACHE_NAMESPACE);
    const roles = spec.signals.map((d) => `${d.name}=${d.model.name}@${d.model.version}:${d.role}`);
    const policyNames = [...new Set([policy, canaryPolicy, shadowPolicy].map((p) => p.version))];
    const deciding = new Set([...rollout.primaries, ...rollout.withCanaries].map((s) => modelId(s.model)));
    const decidingModels = serving.models.filter((m) => deciding.has(m.id));
    return {
      id: `policy ${policyNames.join('+')}; ${roles.join(',')}; canary ${spec.canaryFraction}`,
      runner,
      rollout,
      policy,
      canaryPolicy,
      shadowPolicy,
      ready: () => decidingModels.every((m) => m.session.up),
      models: serving.models.map((m) => ({ id: m.id, reference: m.manifest.reference })),
      close: () => serving.close(),
    };
  } catch (error) {
    await serving.close();
    throw error;
  }
}
