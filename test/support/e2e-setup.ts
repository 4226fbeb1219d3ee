import { execFileSync } from 'node:child_process';
import stackSetup from './stack-setup.js';

/** e2e global setup: the stack (as the integration tier) and a fresh build of the console's web client. */
export default async function setup(): Promise<void> {
  await stackSetup();
  execFileSync('npm', ['run', '--silent', 'console:build'], { stdio: 'inherit' });
}
