import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

/** A loopback port that nothing listens on (taken and released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('a worker started while no broker answers', () => {
  it('exits with code 2 and IW_KAFKA_UNREACHABLE, not an uncaught kafkajs stack', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, ['bin/integrity-worker.js', 'run'], {
      env: { ...process.env, KAFKA_BROKERS: `127.0.0.1:${port}`, HTTP_PORT: '0', LOG_LEVEL: 'fatal' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toMatch(/^error IW_KAFKA_UNREACHABLE: /m);
    expect(stderr).not.toMatch(/triggerUncaughtException/);
    expect(code).toBe(2);
  }, 120_000);
});
