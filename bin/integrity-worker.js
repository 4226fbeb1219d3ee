#!/usr/bin/env node
// The command-line entry. In a checkout (sources and the dev dependency tsx present) it runs the
// TypeScript sources, so a stale build can never shadow them; in a built image (`npm run build`,
// dev dependencies pruned) it runs the compiled dist/.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli/index.ts', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && hasTsx()) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/index.ts', import.meta.url).href);
} else {
  await import(compiled);
}
