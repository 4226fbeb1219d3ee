import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run demo` on a stopped stack of its own (own run folder and ports, so the shared test stack is
// never touched): a run that fails (its worker dies) or is interrupted must stop every service it
// started, like a successful one does.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function privateStackEnv(): Promise<NodeJS.ProcessEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'iw-demo-stack-'));
  dirs.push(dir);
  const [kafka, controller, sasl, registry, mgmt, redis, postgres, http] = await Promise.all(
    Array.from({ length: 8 }, freePort),
  );
  return {
    ...process.env,
    IW_STACK_DIR: dir,
    IW_KAFKA_PORT: String(kafka),
    IW_KAFKA_CONTROLLER_PORT: String(controller),
    IW_KAFKA_SASL_PORT: String(sasl),
    IW_REGISTRY_PORT: String(registry),
    IW_REGISTRY_MGMT_PORT: String(mgmt),
    IW_REDIS_PORT: String(redis),
    IW_POSTGRES_PORT: String(postgres),
    KAFKA_BROKERS: `127.0.0.1:${kafka}`,
    SCHEMA_REGISTRY_URL: `http://127.0.0.1:${registry}/apis/ccompat/v7`,
    REDIS_URL: `redis://127.0.0.1:${redis}`,
    HTTP_PORT: String(http),
  };
}

/** Pids of the stack's pid files (first field: the pid; the second is its start time). */
function stackPids(dir: string): number[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => Number(readFileSync(join(dir, f), 'utf8').trim().split(/\s+/)[0]));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the demo until it says its worker is ready, then calls `interrupt`; resolves with its exit. */
async function demoUntilReady(
  env: NodeJS.ProcessEnv,
  interrupt: (demo: { pid: number; workerPid: number }) => void,
): Promise<{ code: number | null; stackPids: number[] }> {
  const demo = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo.ts', '--pins', '3000', '--rate', '20'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  let pids: number[] = [];
  const exit = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
  demo.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const ready = /worker ready \(pid (\d+)\)/.exec(out);
    if (ready && pids.length === 0) {
      pids = stackPids(env.IW_STACK_DIR!);
      interrupt({ pid: demo.pid!, workerPid: Number(ready[1]) });
    }
  });
  const code = await exit;
  return { code, stackPids: pids };
}

describe('npm run demo stops what it started when it fails', () => {
  it('a run whose worker dies exits non-zero and leaves no stack process behind', async () => {
    const env = await privateStackEnv();
    let workerPid = 0;
    const result = await demoUntilReady(env, (demo) => {
      workerPid = demo.workerPid;
      process.kill(demo.workerPid, 'SIGKILL');
    });
    expect(result.code).toBe(1);
    expect(result.stackPids).toHaveLength(4); // kafka, registry, redis, postgres
    expect(result.stackPids.filter(alive)).toEqual([]);
    expect(alive(workerPid)).toBe(false);
    expect(readdirSync(env.IW_STACK_DIR!).filter((f) => f.endsWith('.pid'))).toEqual([]);
  }, 400_000);

  it('an interrupted run (SIGINT) stops its worker and the stack it started', async () => {
    const env = await privateStackEnv();
    let workerPid = 0;
    const result = await demoUntilReady(env, (demo) => {
      workerPid = demo.workerPid;
      process.kill(demo.pid, 'SIGINT');
    });
    expect(result.code).toBe(130);
    expect(result.stackPids).toHaveLength(4); // kafka, registry, redis, postgres
    expect(result.stackPids.filter(alive)).toEqual([]);
    expect(alive(workerPid)).toBe(false);
    expect(existsSync(join(env.IW_STACK_DIR!, 'kafka.pid'))).toBe(false);
  }, 400_000);
});
