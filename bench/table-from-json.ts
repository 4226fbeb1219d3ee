/**
 * Prints the markdown table of one or more result files of `npm run bench` (for BENCHMARKS.md).
 *   npx tsx bench/table-from-json.ts bench/results/<file>.json ...
 */
import { readFile } from 'node:fs/promises';
import { describeMachine } from './lib/machine.js';
import { markdownTable, tableRows, type BenchResults } from './lib/report.js';

for (const file of process.argv.slice(2)) {
  const results = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
  console.log(
    `\n${file}: ${results.startedAt}; ${describeMachine(results.machine)}; load average at the end ${results.loadAverageAtEnd.join(' ')}; ${results.totalSeconds.toFixed(0)} s\n`,
  );
  console.log(markdownTable(tableRows(results)));
}
