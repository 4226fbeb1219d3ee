/**
 * The Kubernetes ConfigMap (deploy/k8s/base/worker.env, merged with each overlay's literals) holds only
 * variables of the worker's config table, with values the worker accepts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from '../../../src/config/env-variables.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { readPolicy } from '../../../src/policy/policy.js';
import { modelId } from '../../../src/scores.js';

const K8S = new URL('../../../deploy/k8s/', import.meta.url);

function envFile(text: string): Record<string, string> {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  return Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The `- KEY=VALUE` literals of the overlay's configMapGenerator. */
function overlayLiterals(overlay: string): Record<string, string> {
  const text = readFileSync(new URL(`overlays/${overlay}/kustomization.yaml`, K8S), 'utf8');
  const literals = [...text.matchAll(/^\s+- ([A-Z][A-Z0-9_]*)=(.*)$/gm)];
  return Object.fromEntries(literals.map((m) => [m[1]!, m[2]!]));
}

const base = envFile(readFileSync(new URL('base/worker.env', K8S), 'utf8'));

describe('deploy/k8s ConfigMap', () => {
  it('names only variables of the config table', () => {
    const known = new Set(Object.keys(ENV_VARIABLES));
    for (const overlay of ['dev', 'prod']) {
      const keys = Object.keys({ ...base, ...overlayLiterals(overlay) });
      expect(keys.length).toBeGreaterThan(10);
      expect(keys.filter((key) => !known.has(key))).toEqual([]);
    }
  });

  it.each(['dev', 'prod'])('holds values the worker accepts (%s)', (overlay) => {
    const config = loadConfig({ ...base, ...overlayLiterals(overlay) });
    expect(config.HTTP_HOST).toBe('0.0.0.0');
    expect(config.HTTP_PORT).toBe(9464);
  });

  it.each(['dev', 'prod'])("serves models its policy's rules are bound to (%s)", async (overlay) => {
    const config = loadConfig({ ...base, ...overlayLiterals(overlay) });
    const policy = await readPolicy(
      fileURLToPath(new URL(`../../../${config.POLICY_FILE}`, import.meta.url)),
    );
    expect(new Set(Object.values(policy.signals).map((rule) => rule.model))).toEqual(
      new Set([modelId(config.IMAGE_MODEL), modelId(config.TEXT_MODEL)]),
    );
  });

  it('holds no credentials (they come from Secrets)', () => {
    for (const overlay of ['dev', 'prod']) {
      const keys = Object.keys({ ...base, ...overlayLiterals(overlay) });
      expect(keys.filter((key) => /PASSWORD|USERNAME|TOKEN/.test(key))).toEqual([]);
    }
  });

  it('would refuse a wrong value', () => {
    let code: unknown;
    try {
      loadConfig({ ...base, MAX_IN_FLIGHT: 'many' });
    } catch (error) {
      code = (error as { code?: unknown }).code;
    }
    expect(code).toBe('IW_CONFIG_INVALID');
  });
});
