/**
 * Writes test/fixtures/pdq/reference.json: PDQ hashes of the shared inputs computed by the reference
 * (PyPI pdqhash, test/interop/pdq_reference.py), with the sha256 of each input's pixels so the unit
 * test knows it hashes the same pixels.
 *   npx tsx scripts/neighbours/pdq-reference.ts
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pdqInputs } from './pdq-inputs.js';

const inputs = await pdqInputs();
const dir = mkdtempSync(path.join(tmpdir(), 'iw-pdq-'));
try {
  for (const input of inputs) writeFileSync(path.join(dir, `${input.name}.rgb`), input.data);
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify(inputs.map(({ name, width, height }) => ({ name, width, height }))),
  );
  const python = execFileSync('bash', ['scripts/python-env.sh', 'bench/embeddings/requirements.txt'])
    .toString()
    .trim();
  const hashes = JSON.parse(execFileSync(python, ['test/interop/pdq_reference.py', dir]).toString()) as {
    name: string;
    bits: string;
    quality: number;
  }[];
  const rows = inputs.map((input, i) => ({
    name: input.name,
    width: input.width,
    height: input.height,
    pixelsSha256: createHash('sha256').update(input.data).digest('hex'),
    bits: hashes[i]!.bits,
    quality: hashes[i]!.quality,
  }));
  mkdirSync('test/fixtures/pdq', { recursive: true });
  const doc = {
    reference:
      'PyPI pdqhash 0.2.8 (bindings to facebook/ThreatExchange pdq C++), via test/interop/pdq_reference.py',
    rows,
  };
  writeFileSync('test/fixtures/pdq/reference.json', `${JSON.stringify(doc, null, 1)}\n`);
  console.log(`wrote ${rows.length} reference hashes to test/fixtures/pdq/reference.json`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
