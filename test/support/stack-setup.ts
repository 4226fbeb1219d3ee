import { execFileSync } from 'node:child_process';
import { probeStack } from './stack-probe.js';

/**
 * Vitest global setup for the tiers that need real services: when any of Kafka, the registry or Redis
 * does not answer, start the stack with the project's own script (it skips what already runs). The
 * stack is left running afterwards so that the next run starts in seconds; `npm run stack stop` ends it.
 */
export default async function setup(): Promise<void> {
  const up = await probeStack();
  if (up.every(Boolean)) return;
  console.log('[stack] not running: starting it with scripts/stack.sh start');
  execFileSync('bash', ['scripts/stack.sh', 'start'], { stdio: 'inherit' });
}
