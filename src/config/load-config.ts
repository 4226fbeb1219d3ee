/**
 * Parses the environment once into a frozen {@link Config}. Every violation is reported at once, each
 * naming its variable; the caller (the composition root) stops the start on IW_CONFIG_INVALID.
 */
import type { z } from 'zod';
import { IntegrityError } from '../errors.js';
import { ENV_VARIABLES, type EnvName } from './env-variables.js';

export type Config = {
  readonly [K in EnvName]: z.output<(typeof ENV_VARIABLES)[K]['schema']>;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(ENV_VARIABLES)) {
    const raw = env[name];
    // An empty variable means "not set": shells and compose files often export VAR= for defaults.
    const result = variable.schema.safeParse(raw === '' ? undefined : raw);
    if (result.success) values[name] = result.data;
    else
      problems.push(
        `${name}=${JSON.stringify(raw)}: ${result.error.issues.map((i) => i.message).join('; ')}`,
      );
  }
  if (problems.length > 0) {
    throw new IntegrityError('IW_CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: { variables: problems.map((p) => p.slice(0, p.indexOf('='))) },
    });
  }
  return deepFreeze(values) as Config;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
