import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { stackEnv } from './stack-env.js';

function reachable(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/**
 * Vitest global setup for the tiers that need real services: when any of Kafka, the registry or Redis
 * does not answer, start the stack with the project's own script (it skips what already runs). The
 * stack is left running afterwards so that the next run starts in seconds; `npm run stack stop` ends it.
 */
export default async function setup(): Promise<void> {
  const targets = [
    stackEnv.kafkaBrokers[0]!,
    new URL(stackEnv.schemaRegistryUrl).host,
    new URL(stackEnv.redisUrl).host,
  ];
  const up = await Promise.all(targets.map(reachable));
  if (up.every(Boolean)) return;
  console.log('[stack] not running: starting it with scripts/stack.sh start');
  execFileSync('bash', ['scripts/stack.sh', 'start'], { stdio: 'inherit' });
}
