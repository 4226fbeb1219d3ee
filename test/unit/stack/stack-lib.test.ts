import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Drives scripts/stack/lib.sh (the process bookkeeping of scripts/stack.sh) with stand-in services:
// a process that sleeps before it execs widens the fork/exec window that made `npm run demo` fail with
// "kafka did not start: the process exited" on a busy machine.
const lib = fileURLToPath(new URL('../../../scripts/stack/lib.sh', import.meta.url));
let runDir: string;

function bash(script: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    'bash',
    ['-c', `set -euo pipefail; RUN_DIR=${JSON.stringify(runDir)}; source ${JSON.stringify(lib)}\n${script}`],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

/** A stand-in for a JVM: sleeps `delay` seconds as a plain shell, then execs a process named like Kafka. */
const slowExec = (delay: number, extra = '') =>
  `env MARK=kafka.Kafka bash -c 'sleep ${delay}; ${extra} exec -a "$MARK" sleep 60'`;

function savedPid(service: string): number {
  return Number(
    readFileSync(join(runDir, `${service}.pid`), 'utf8')
      .trim()
      .split(/\s+/)[0],
  );
}

beforeEach(() => {
  runDir = mkdtempSync(join(tmpdir(), 'iw-stack-lib-'));
});
afterEach(() => {
  try {
    process.kill(savedPid('kafka'), 'SIGKILL');
  } catch {
    // already gone, or never started
  }
  rmSync(runDir, { recursive: true, force: true });
});

describe('stack lib: is a saved pid still our service?', () => {
  it('counts a service as running between fork and exec', () => {
    const result = bash(`launch kafka ${slowExec(2)}; running kafka && echo yes || echo no`);
    expect(result.stdout).toBe('yes');
  });

  it('waits for the readiness probe of a service that execs late instead of calling it exited', () => {
    const ready = join(runDir, 'ready');
    const result = bash(
      `launch kafka ${slowExec(2, `touch ${ready};`)}; wait_for kafka test -e ${ready}; echo started`,
    );
    expect(result.stdout).toBe('started');
    expect(result.status).toBe(0);
  });

  it('still recognizes a service whose command line is longer than a pipe buffer', () => {
    const pad = 'x'.repeat(120_000);
    const result = bash(
      `launch kafka bash -c 'sleep 60' kafka.Kafka ${pad}; sleep 0.3; running kafka && echo yes || echo no`,
    );
    expect(result.stdout).toBe('yes');
  });

  it('does not take a reused pid for the service', () => {
    // A live process that is not the one we started: same pid number, another start time.
    const result =
      // sleep 0.05: start times tick in 1/100 s; a reused pid is never started in the same tick.
      bash(`sleep 60 & other=$!; sleep 0.05; launch kafka ${slowExec(0)}; pid=$(cut -d' ' -f1 "$(pidfile kafka)")
      kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
      sed -i "s/^$pid\\b/$other/" "$(pidfile kafka)"
      running kafka && echo yes || echo no; kill -KILL "$other"`);
    expect(result.stdout).toBe('no');
  });

  it('fails fast, naming the service, when the process exits before it is ready', () => {
    const result = bash(`launch kafka bash -c 'echo boom; exit 3'; wait_for kafka false`);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('kafka did not start: the process exited');
    expect(result.stderr).toContain('boom');
  });

  it('checks a pid file written by an older stack script (pid only) against the command line', () => {
    const result = bash(`bash -c 'exec -a redis-server sleep 60' & ours=$!; sleep 60 & other=$!; sleep 0.3
      echo "$ours" >"$(pidfile redis)"; running redis && echo yes || echo no
      echo "$other" >"$(pidfile redis)"; running redis && echo yes || echo no
      kill "$ours" "$other"`);
    expect(result.stdout.split('\n')).toEqual(['yes', 'no']);
  });
});
