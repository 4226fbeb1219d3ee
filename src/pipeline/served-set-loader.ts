/**
 * Builds a served set from its spec (declared signals with roles, canary fraction, policy file): loads
 * and warms every model it names, checks the policy covers the signals, and only then hands it over.
 * A spec that fails anywhere throws and leaves nothing open: the caller keeps the set it has.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/load-config.js';
import { IntegrityError } from '../errors.js';
import { loadServing, type ServingTelemetry } from '../infer/serving.js';
import { PolicyEngine } from '../policy/policy-engine.js';
import { checkPolicyCovers, readPolicy } from '../policy/policy.js';
import { parseSignalDeclaration, type SignalDeclaration } from '../scores.js';
import type { SignalCache } from '../cache/signal-cache.js';
import { createSignals, declaredSignals, servedModels } from '../signals/catalog.js';
import { RolloutSignals } from '../signals/rollout-signals.js';
import type { ScoreMemo } from '../signals/score-memo.js';
import type { Limiter } from '../signals/signal.js';
import { SignalRunner } from '../signals/signal-runner.js';
import type { ServedSet } from './served-set.js';

export interface ServedSetSpec {
  readonly signals: readonly SignalDeclaration[];
  readonly canaryFraction: number;
  readonly policyFile: string;
}

export type ServedSetConfig = Parameters<typeof loadServing>[0] &
  Pick<
    Config,
    'SIGNALS' | 'IMAGE_MODEL' | 'TEXT_MODEL' | 'CANARY_FRACTION' | 'POLICY_FILE' | 'CACHE_NAMESPACE'
  > & {
    readonly SERVED_SET_FILE?: string | undefined;
  };

/** The served-set file as written by `models promote|rollback` (and by hand). */
export interface ServedSetFile {
  signals: string;
  canaryFraction?: number;
  policyFile?: string;
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
    };
  }
  return {
    signals: declaredSignals(config),
    canaryFraction: config.CANARY_FRACTION,
    policyFile: config.POLICY_FILE,
  };
}

export interface ServedSetDeps extends ServingTelemetry {
  readonly cache: SignalCache;
  /** Shared by every set: its keys carry model@version, so sets never read each other's scores. */
  readonly memo: ScoreMemo;
  readonly decodedImages: Limiter;
}

export async function loadServedSet(
  config: ServedSetConfig,
  spec: ServedSetSpec,
  deps: ServedSetDeps,
): Promise<ServedSet> {
  const policy = new PolicyEngine(await readPolicy(spec.policyFile));
  const serving = await loadServing(config, servedModels(spec.signals), deps);
  try {
    const signals = createSignals(spec.signals, {
      scorer: (model) => serving.scorer(model),
      decodedImages: deps.decodedImages,
    });
    checkPolicyCovers(policy.policy, signals);
    const rollout = new RolloutSignals(signals, spec.canaryFraction);
    const runner = new SignalRunner(rollout.primaries, deps.cache, deps.memo, config.CACHE_NAMESPACE);
    const roles = spec.signals.map((d) => `${d.name}=${d.model.name}@${d.model.version}:${d.role}`);
    return {
      id: `policy ${policy.version}; ${roles.join(',')}; canary ${spec.canaryFraction}`,
      runner,
      rollout,
      policy,
      models: serving.models.map((m) => ({ id: m.id, reference: m.manifest.reference })),
      close: () => serving.close(),
    };
  } catch (error) {
    await serving.close();
    throw error;
  }
}
