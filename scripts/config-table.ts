// Prints the README's configuration table from the env schema: npm run config:table
// With --write, replaces the table in README.md in place.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigTable } from '../src/config/config-table.js';

const table = renderConfigTable();
if (process.argv.includes('--write')) {
  const file = new URL('../README.md', import.meta.url);
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith('| variable | default | meaning |'));
  if (start < 0) throw new Error('README.md has no configuration table');
  let end = start;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  lines.splice(start, end - start, ...table.split('\n'));
  writeFileSync(file, lines.join('\n'));
} else {
  console.log(table);
}
