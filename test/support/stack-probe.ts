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

/** Whether Kafka, the registry, Redis and PostgreSQL (in that order) accept connections at their addresses. */
export function probeStack(): Promise<boolean[]> {
  return Promise.all(
    [
      stackEnv.kafkaBrokers[0]!,
      new URL(stackEnv.schemaRegistryUrl).host,
      new URL(stackEnv.redisUrl).host,
      new URL(stackEnv.postgresUrl).host,
    ].map(reachable),
  );
}
