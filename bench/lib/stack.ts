import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { stackEnv } from '../../test/support/stack-env.js';

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
 * Makes sure Kafka, the registry and Redis answer, starting them with scripts/stack.sh when they do
 * not. Returns how to leave the stack as it was found: a stop when (and only when) none of the three
 * was running before.
 */
export async function ensureStack(root: URL): Promise<{ restore: () => void; started: boolean }> {
  const targets = [
    stackEnv.kafkaBrokers[0]!,
    new URL(stackEnv.schemaRegistryUrl).host,
    new URL(stackEnv.redisUrl).host,
  ];
  const up = await Promise.all(targets.map(reachable));
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
