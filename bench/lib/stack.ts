import { execFileSync } from 'node:child_process';
import { probeStack } from '../../test/support/stack-probe.js';

/**
 * Makes sure Kafka, the registry and Redis answer, starting them with scripts/stack.sh when they do
 * not. Returns how to leave the stack as it was found: a stop when (and only when) none of the three
 * was running before.
 */
export async function ensureStack(root: URL): Promise<{ restore: () => void; started: boolean }> {
  const up = await probeStack();
  if (up.every(Boolean)) return { restore: () => undefined, started: false };
  console.log('[bench] the stack is not (fully) running: bash scripts/stack.sh start');
  execFileSync('bash', ['scripts/stack.sh', 'start'], { cwd: root, stdio: 'inherit' });
  const noneWasUp = up.every((u) => !u);
  return {
    started: true,
    restore: () => {
      if (!noneWasUp) return;
      console.log('[bench] stopping the stack it started');
      execFileSync('bash', ['scripts/stack.sh', 'stop'], { cwd: root, stdio: 'inherit' });
    },
  };
}
