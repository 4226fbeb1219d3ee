/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser): headless, with the flags
 * that keep it from reaching outside hosts; every launch gets a fresh temporary profile.
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export function chromiumPath(): string {
  return (
    process.env.CHROMIUM_PATH ??
    execFileSync('bash', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim()
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
