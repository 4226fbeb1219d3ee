import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads every pinned file of `dir` and refuses to go on when one differs from its pinned sha256, so a
 * changed package can never silently produce a different model under the same version.
 * Returns the file contents by name.
 */
export async function readPinnedFiles(
  dir: string,
  pinned: Readonly<Record<string, string>>,
): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const mismatches: string[] = [];
  for (const [name, expected] of Object.entries(pinned)) {
    const bytes = await readFile(path.join(dir, name));
    const actual = sha256Hex(bytes);
    if (actual !== expected) mismatches.push(`${name}: expected ${expected}, found ${actual}`);
    files.set(name, bytes);
  }
  if (mismatches.length > 0) {
    throw new Error(`source files differ from their pinned sha256:\n  ${mismatches.join('\n  ')}`);
  }
  return files;
}

/**
 * Evaluates a browserify UMD bundle (nsfwjs ships `model.min.js` and the weight shards this way) in an
 * empty context and returns what it assigns to `module.exports`. The empty context has no `require`,
 * no `process` and no globals of ours, so a bundle can only compute its export. The export is copied
 * through JSON into this realm: objects of another realm break `instanceof` checks in consumers.
 */
export function evaluateUmdExport(source: string, filename: string): unknown {
  const module = { exports: {} as unknown };
  vm.runInNewContext(source, { module, exports: module.exports }, { filename, timeout: 30_000 });
  return JSON.parse(JSON.stringify(module.exports)) as unknown;
}
