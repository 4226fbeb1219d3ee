/**
 * `npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [--top 30]`: where a V8 CPU profile's time
 * went, as self time per function and per area (our src/ folders, each node_modules package, GC,
 * idle). For the worker's profile of a bench scenario: `npm run bench -- --skip-limit --skip-peer
 * --only warm,text --node-arg=--cpu-prof --node-arg=--cpu-prof-dir=<dir>` writes one file per
 * worker process (the main thread's is the largest; worker threads write their own).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '30' } },
  allowPositionals: true,
});

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'program';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const src = /\/(src|bench|test)\/([^/]+)\//.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url === '' ? '(native)' : 'other';
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  const fn = new Map<string, number>();
  const areas = new Map<string, number>();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id)!;
    const name = callFrame.functionName || '(anonymous)';
    total += us;
    const short = callFrame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/');
    const key = `${name} ${short}:${callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = area(callFrame.url, name);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const busy = total - (areas.get('idle') ?? 0);
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`);
  console.log('by area (self time, % of busy):');
  for (const [a, us] of [...areas]
    .filter(([a]) => a !== 'idle')
    .sort((x, y) => y[1] - x[1])
    .slice(0, 25))
    console.log(`  ${pct(us)}  ${a}`);
  console.log('by function:');
  for (const [k, us] of [...fn].sort((x, y) => y[1] - x[1]).slice(0, Number(values.top)))
    if (!k.startsWith('(idle)')) console.log(`  ${pct(us)}  ${k}`);
}
