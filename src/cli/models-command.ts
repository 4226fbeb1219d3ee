/**
 * `integrity-worker models list` prints the repository's versions and their status (models-list.ts).
 * `integrity-worker models promote|rollback|set`: changes the served-set file (SERVED_SET_FILE or
 * `--file`) that the worker reads on every reload. `promote` makes each signal's canary its primary
 * (the old primary leaves the set, the canary fraction returns to 0, the policy naming the canaries
 * becomes the primary policy); `rollback` restores the set
 * before the last change; `set` writes a set given on the command line. Every change records who and
 * when in the file and appends a line to `<file>.log`; `--reload` then asks the worker to reload
 * (POST /admin/reload with ADMIN_TOKEN), else send it SIGHUP.
 */
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { IntegrityError } from '../errors.js';
import { readPolicy } from '../policy/policy.js';
import { formatModels, listModels } from './models-list.js';
import { pluginFor } from '../signals/catalog.js';
import { parseSignalList, readServedSetFile, type ServedSetFile } from '../pipeline/served-set-loader.js';
import { modelId, type SignalDeclaration } from '../scores.js';

const USAGE = `usage: integrity-worker models list
       integrity-worker models promote|rollback [--file F] [--by WHO] [--reload]
       integrity-worker models set --signals S [--canary-fraction N] [--policy P] [--rollout-policies P,Q]
                                   [--file F] [--by WHO] [--reload]`;

function format(declarations: readonly SignalDeclaration[]): string {
  return declarations.map((d) => `${d.name}=${modelId(d.model)}:${d.role}`).join(',');
}

/** A policy file and what its rules are bound to: signal name -> model@version. */
export interface PolicyBinding {
  readonly file: string;
  readonly models: Readonly<Record<string, string>>;
}

/**
 * Canary -> primary for every signal that has one; the replaced primaries leave the set. The policy
 * that named the canaries becomes the primary policy (the old one stays a rollout policy, so a
 * rollback or a new canary of the old version finds it): the first of `policies` whose rules name
 * every new primary's model. None: IW_POLICY_MODEL_MISMATCH, nothing is written.
 */
export function promoted(file: ServedSetFile, policies: readonly PolicyBinding[]): ServedSetFile {
  const declared = parseSignalList(file.signals);
  const canaries = new Set(declared.filter((d) => d.role === 'canary').map((d) => d.name));
  if (canaries.size === 0)
    throw new IntegrityError('IW_CONFIG_INVALID', 'models promote: the served set has no canary');
  const next = declared
    .filter((d) => !(d.role === 'primary' && canaries.has(d.name)))
    .map((d) => (d.role === 'canary' ? { ...d, role: 'primary' as const } : d));
  const primaries = next.filter((d) => d.role === 'primary');
  // A policy names every new primary's model, but for signals it may leave out: embeddings (they
  // decide nothing) and plug-ins with a default rule bound to the declared model (near duplicates).
  const names = (p: PolicyBinding, d: SignalDeclaration) =>
    p.models[d.name] === modelId(d.model) ||
    (p.models[d.name] === undefined &&
      (d.name.endsWith('.embedding') || pluginFor(d.name).defaultRule !== undefined));
  const policy = policies.find((p) => primaries.every((d) => names(p, d)));
  if (!policy)
    throw new IntegrityError(
      'IW_POLICY_MODEL_MISMATCH',
      `models promote: no policy of ${policies.map((p) => p.file).join(', ')} names ${primaries.map((d) => `${d.name}=${modelId(d.model)}`).join(',')}`,
    );
  return {
    signals: format(next),
    canaryFraction: 0,
    policyFile: policy.file,
    rolloutPolicyFiles: policies.map((p) => p.file).filter((f) => f !== policy.file),
  };
}

async function policyBindings(files: readonly string[]): Promise<PolicyBinding[]> {
  return Promise.all(
    [...new Set(files)].map(async (file) => {
      const policy = await readPolicy(file);
      return {
        file,
        models: Object.fromEntries(Object.entries(policy.signals).map(([name, rule]) => [name, rule.model])),
      };
    }),
  );
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      by: { type: 'string' },
      signals: { type: 'string' },
      'canary-fraction': { type: 'string' },
      policy: { type: 'string' },
      'rollout-policies': { type: 'string' },
      reload: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const action = positionals[0];
  if (values.help || !action || !['list', 'promote', 'rollback', 'set'].includes(action)) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const config = loadConfig();
  if (action === 'list') {
    console.log(formatModels(await listModels(config)));
    return 0;
  }
  const path = values.file ?? config.SERVED_SET_FILE;
  if (path === undefined)
    throw new IntegrityError('IW_CONFIG_INVALID', 'models: set SERVED_SET_FILE or pass --file');
  const current =
    action === 'set' ? await readServedSetFile(path).catch(() => undefined) : await readServedSetFile(path);
  let next: ServedSetFile;
  if (action === 'promote')
    next = promoted(
      current!,
      await policyBindings([
        current!.policyFile ?? config.POLICY_FILE,
        ...(current!.rolloutPolicyFiles ?? config.ROLLOUT_POLICY_FILES),
      ]),
    );
  else if (action === 'rollback') {
    if (!current!.previous)
      throw new IntegrityError(
        'IW_CONFIG_INVALID',
        'models rollback: the served set records no previous set',
      );
    next = { ...current!.previous };
  } else {
    if (values.signals === undefined)
      throw new IntegrityError('IW_CONFIG_INVALID', 'models set: --signals is required');
    parseSignalList(values.signals);
    next = {
      signals: values.signals,
      canaryFraction: values['canary-fraction'] === undefined ? 0 : Number(values['canary-fraction']),
      // The policies stay those of the current set unless given.
      ...((values.policy ?? current?.policyFile) !== undefined && {
        policyFile: values.policy ?? current?.policyFile,
      }),
      ...((values['rollout-policies'] !== undefined || current?.rolloutPolicyFiles !== undefined) && {
        rolloutPolicyFiles:
          values['rollout-policies'] !== undefined
            ? values['rollout-policies'].split(',').filter(Boolean)
            : current?.rolloutPolicyFiles,
      }),
    };
  }
  const changedBy = values.by ?? process.env.USER ?? userInfo().username;
  const changedAt = new Date().toISOString();
  const { previous: _dropped, ...before } = current ?? { signals: '' };
  const written: ServedSetFile = {
    ...next,
    changedBy,
    changedAt,
    ...(current && { previous: before }),
  };
  // Write then rename: a reload never reads a half-written file.
  await writeFile(`${path}.tmp`, `${JSON.stringify(written, null, 2)}\n`);
  await readServedSetFile(`${path}.tmp`);
  await rename(`${path}.tmp`, path);
  const entry = { at: changedAt, by: changedBy, action, from: current?.signals ?? null, to: written.signals };
  await appendFile(`${path}.log`, `${JSON.stringify(entry)}\n`);
  console.log(
    `${action}: ${written.signals} (canary ${written.canaryFraction ?? 0}) by ${changedBy} at ${changedAt}`,
  );
  if (!values.reload) return 0;
  if (config.ADMIN_TOKEN === undefined)
    throw new IntegrityError('IW_CONFIG_INVALID', 'models --reload: ADMIN_TOKEN is not set');
  const response = await fetch(`http://${config.HTTP_HOST}:${config.HTTP_PORT}/admin/reload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${config.ADMIN_TOKEN}` },
  });
  console.log(`reload: ${response.status} ${await response.text()}`);
  return response.ok ? 0 : 3;
}
