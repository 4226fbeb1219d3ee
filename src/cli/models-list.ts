/**
 * `integrity-worker models list`: every version in the model repository (MODELS_DIR), what it is
 * (task, size, sha256, source or the version it was derived from), the policy files whose rules are
 * bound to it (the policies next to POLICY_FILE), and whether the current served set (SERVED_SET_FILE,
 * else the environment) serves it: `serving` (primary), `shadow`/`canary`, or `candidate` (a policy
 * names it, nothing serves it). Reads files only; loads no model.
 */
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../config/load-config.js';
import { readModelManifest, type ModelManifest } from '../infer/model-manifest.js';
import { currentSpec, type ServedSetConfig } from '../pipeline/served-set-loader.js';
import { readPolicy } from '../policy/policy.js';
import { modelId } from '../scores.js';

export interface ListedModel {
  readonly id: string;
  readonly task: string;
  readonly bytes: number | undefined;
  readonly sha256: string;
  readonly from: string;
  readonly policies: readonly string[];
  /** Roles in the current served set (`primary`, `canary`, `shadow`), or `candidate` / `unbound`. */
  readonly status: string;
}

const dirs = async (path: string) =>
  (await readdir(path, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

function origin(manifest: ModelManifest): string {
  const source = manifest.source as {
    model?: string;
    package?: string;
    quantization?: { method?: string; format?: string };
  };
  if (source.model !== undefined) {
    const q = source.quantization;
    return q
      ? `int8 ${q.method ?? ''} ${q.format ?? ''} of ${source.model}`.replace(/\s+/g, ' ')
      : `from ${source.model}`;
  }
  return source.package ?? 'trained here';
}

export async function listModels(
  config: ServedSetConfig & Pick<Config, 'MODELS_DIR'>,
): Promise<ListedModel[]> {
  const policyDir = dirname(config.POLICY_FILE);
  const policies = await Promise.all(
    (await readdir(policyDir))
      .filter((f) => /^policy-.*\.json$/.test(f))
      .sort()
      .map((f) => readPolicy(join(policyDir, f))),
  );
  const spec = await currentSpec(config);
  const listed: ListedModel[] = [];
  for (const name of (await dirs(config.MODELS_DIR)).sort()) {
    for (const version of (await dirs(join(config.MODELS_DIR, name))).sort((a, b) => Number(a) - Number(b))) {
      const manifest = await readModelManifest(join(config.MODELS_DIR, name, version, 'manifest.json'));
      const id = `${name}@${version}`;
      const bound = policies
        .filter((p) => Object.values(p.signals).some((r) => r.model === id))
        .map((p) => p.version);
      const roles = [...new Set(spec.signals.filter((d) => modelId(d.model) === id).map((d) => d.role))];
      listed.push({
        id,
        task: manifest.task,
        bytes: manifest.bytes,
        sha256: manifest.sha256,
        from: origin(manifest),
        policies: bound,
        status: roles.length > 0 ? roles.join('+') : bound.length > 0 ? 'candidate' : 'unbound',
      });
    }
  }
  return listed;
}

export function formatModels(models: readonly ListedModel[]): string {
  const rows = models.map((m) => [
    m.id,
    m.status,
    m.task,
    m.bytes === undefined ? '?' : `${(m.bytes / 1e6).toFixed(1)} MB`,
    m.sha256.slice(0, 12),
    m.policies.join(',') || '-',
    m.from,
  ]);
  const header = ['model', 'status', 'task', 'size', 'sha256', 'policies', 'from'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
