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
import {
  createSignals,
  decidingSignals,
  declaredSignals,
  defaultRules,
  servedModels,
} from '../signals/catalog.js';
import { RolloutSignals } from '../signals/rollout-signals.js';
import type { ScoreMemo } from '../signals/score-memo.js';
import type { SignalValue } from '../scores.js';
import type { AnySignal, Gate, SignalDeps } from '../signals/signal.js';
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
  readonly memo: ScoreMemo<SignalValue>;
  readonly decodedImages: Gate<Buffer>;
  /** What the signals read besides scorers and the image gate (near-duplicate index, video frames). */
  readonly signalDeps?: Omit<SignalDeps, 'scorer' | 'decodedImages'>;
  /** Where model sessions run (tests). */
  readonly createSession?: SessionFactory | undefined;
}

type Covered = readonly Pick<AnySignal, 'name' | 'model' | 'classes'>[];

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

/**
 * Every derived signal of a deciding set (primaries; primaries with the canaries in their place;
 * shadows) reads an embedding of the same model in that set: else IW_CONFIG_INVALID, the set is
 * refused (a canary near-duplicate needs the canary embedding of its model, and the reverse).
 */
export function checkDerivedSources(rollout: RolloutSignals): void {
  const sets = { primary: rollout.primaries, canary: rollout.withCanaries, shadow: rollout.shadows };
  for (const [what, set] of Object.entries(sets))
    for (const d of set) {
      if (d.derivedFrom === undefined) continue;
      const source = set.find((s) => s.name === d.derivedFrom && modelId(s.model) === modelId(d.model));
      if (source === undefined)
        throw new IntegrityError(
          'IW_CONFIG_INVALID',
          `SIGNALS: the ${what} ${d.name}=${modelId(d.model)} reads ${d.derivedFrom}=${modelId(d.model)}, which that set does not declare`,
        );
    }
}

export async function loadServedSet(
  config: ServedSetConfig,
  spec: ServedSetSpec,
  deps: ServedSetDeps,
): Promise<ServedSet> {
  const files = await Promise.all(
    [spec.policyFile, ...spec.rolloutPolicyFiles.filter((f) => f !== spec.policyFile)].map((file) =>
      readPolicy(file),
    ),
  );
  // Each deciding set's engines get the plug-ins' default rules of its own signals (a default rule
  // is bound to its signal's model: image.near_duplicate's names the model it searches with).
  const enginesFor = (signals: readonly AnySignal[]) =>
    files.map((file) => new PolicyEngine(file, defaultRules(signals)));
  const serving = await loadServing(config, servedModels(spec.signals), deps, deps.createSession);
  try {
    const signals = createSignals(spec.signals, {
      ...deps.signalDeps,
      scorer: (model) => serving.scorer(model),
      decodedImages: deps.decodedImages,
    });
    const rollout = new RolloutSignals(signals, spec.canaryFraction);
    checkDerivedSources(rollout);
    // The primaries are decided by the primary policy only: promotion is what changes it.
    // Embedding signals decide nothing (their product is a vector): no policy rule names them.
    const policy = policyFor(
      enginesFor(rollout.primaries).slice(0, 1),
      decidingSignals(rollout.primaries),
      'primary',
    );
    const canaryPolicy = rollout.hasCanaries
      ? policyFor(enginesFor(rollout.withCanaries), decidingSignals(rollout.withCanaries), 'canary')
      : policy;
    const shadows = decidingSignals(rollout.shadows);
    const shadowPolicy =
      shadows.length > 0 ? policyFor(enginesFor(rollout.shadows), shadows, 'shadow') : policy;
    // Over every role: each derived signal must find its source of the same model among them.
    const runner = new SignalRunner(rollout.all, deps.cache, deps.memo, config.CACHE_NAMESPACE);
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
