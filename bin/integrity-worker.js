#!/usr/bin/env node
// The command-line entry. Runs the compiled CLI when `npm run build` has produced it, otherwise the
// TypeScript sources through tsx (a development dependency), so a fresh clone works without a build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/index.js', import.meta.url));
if (existsSync(compiled)) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/index.ts', import.meta.url).href);
}
