/**
 * The review console for `npm run demo -- --console`: built, then started as its own process on a fresh
 * SQLite store (a materialized view: rebuilt from the topics at start), with a reviewer and an admin
 * whose one-time password is printed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';

export interface DemoConsole {
  readonly pid: number | undefined;
  readonly url: string;
  readonly password: string;
  readonly accounts: readonly (readonly [name: string, role: string])[];
  /** SIGTERM, SIGKILL if it is still running after 10 s. */
  stop(): Promise<void>;
}

export async function startConsoleProcess(root: URL): Promise<DemoConsole> {
  const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
    execFileSync(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  run('npm', ['run', '--silent', 'console:build']);
  const port = Number(process.env.CONSOLE_PORT ?? 8480);
  const store = 'var/demo-console.sqlite';
  for (const suffix of ['', '-wal', '-shm']) rmSync(new URL(`${store}${suffix}`, root), { force: true });
  const password = randomBytes(9).toString('base64url');
  const env = {
    ...process.env,
    CONSOLE_STORE_URL: `sqlite:${store}`,
    CONSOLE_PORT: String(port),
    CONSOLE_PASSWORD: password,
  };
  const accounts = [
    ['reviewer', 'reviewer'],
    ['admin', 'admin'],
  ] as const;
  for (const [name, role] of accounts)
    run(process.execPath, ['bin/integrity-worker.js', 'console', 'users', 'add', name, '--role', role], env);
  const child = spawn(process.execPath, ['bin/integrity-worker.js', 'console'], {
    cwd: root,
    env: { ...env, FETCH_ALLOW_PRIVATE: '127.0.0.1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`the console exited (code ${child.exitCode})`);
    if (Date.now() > until) {
      await stop();
      throw new Error('the console did not start within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { pid: child.pid, url, password, accounts, stop };
}
