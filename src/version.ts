import { readFileSync } from 'node:fs';

/** The worker's version, from package.json: stamped on every label and dead letter. */
export const WORKER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
