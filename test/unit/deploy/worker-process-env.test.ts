/**
 * The malloc settings are passed by whatever starts the worker (glibc reads them at process start):
 * the Dockerfile's ENV (inherited by compose and the Kubernetes Deployment) must hold exactly
 * WORKER_MALLOC_ENV, which the bench and the demo pass.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WORKER_MALLOC_ENV } from '../../../src/worker-process-env.js';

/** `KEY=VALUE` pairs of every ENV line of the final stage (after the last FROM). */
function finalStageEnv(dockerfile: string): Record<string, string> {
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const pairs = [...lastStage.matchAll(/^ENV (.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
  return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

describe('worker process environment', () => {
  const env = finalStageEnv(readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8'));

  it('the image starts the worker with WORKER_MALLOC_ENV, value for value', () => {
    const malloc = Object.fromEntries(Object.entries(env).filter(([key]) => key.startsWith('MALLOC_')));
    expect(malloc).toEqual({ ...WORKER_MALLOC_ENV });
  });

  it('the settings are ones glibc reads (names with the trailing underscore where glibc has one)', () => {
    expect(Object.keys(WORKER_MALLOC_ENV).sort()).toEqual(['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);
    for (const value of Object.values(WORKER_MALLOC_ENV)) expect(value).toMatch(/^[1-9]\d*$/);
  });
});
