import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * kafkajs's own file, compiled afresh: the module cache holds our replacement
 * (`src/kafka/produce-encoding.ts`), and the tests compare the two.
 */
export function kafkajsOriginal<T>(path: string): T {
  const file = require.resolve(path);
  const module = new Module(file) as Module & { _compile(source: string, file: string): void };
  module.filename = file;
  module._compile(readFileSync(file, 'utf8'), file);
  return module.exports as T;
}
