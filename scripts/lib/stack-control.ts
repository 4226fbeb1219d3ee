/**
 * Starting the local stack from Node (the demo, the bench, the chaos suite) so that a run leaves the
 * machine as it found it: only services that were stopped are started, and exactly those are stopped
 * again, also when the start itself fails halfway (a broker that never became ready must not leave
 * Redis behind).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SERVICES = ['kafka', 'registry', 'redis', 'postgres'] as const;
export type Service = (typeof SERVICES)[number];

const script = (root: URL) => fileURLToPath(new URL('scripts/stack.sh', root));

/** Which services scripts/stack.sh counts as running (its pid files and the processes behind them). */
export function runningServices(root: URL, env: NodeJS.ProcessEnv = process.env): Set<Service> {
  const status = spawnSync('bash', [script(root), 'status'], { encoding: 'utf8', env });
  return new Set(SERVICES.filter((s) => new RegExp(`^${s}: running`, 'm').test(status.stdout)));
}

export interface StartedStack {
  /** The services this start started (empty when all were running). */
  readonly started: readonly Service[];
  /** Stops what this start started; safe to call twice. */
  stop(): void;
}

export function ensureStackStarted(root: URL, log: (line: string) => void = console.log): StartedStack {
  const before = runningServices(root);
  const missing = SERVICES.filter((s) => !before.has(s));
  let stopped = missing.length === 0;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    log(`[stack] stopping what this run started: ${missing.join(', ')}`);
    spawnSync('bash', [script(root), 'stop', ...missing], { stdio: ['ignore', 'inherit', 'inherit'] });
  };
  if (missing.length > 0) {
    log(`[stack] starting ${missing.join(', ')} (bash scripts/stack.sh start)`);
    try {
      execFileSync('bash', [script(root), 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
    } catch (error) {
      stop();
      throw error;
    }
  }
  return { started: missing, stop };
}
