import type { LimitResult } from './limit.js';
import type { Machine } from './machine.js';
import type { PeerPoint } from './peer.js';
import { isSkipped, type PythonPeerOutcome } from './peer-python.js';
import type { ScenarioResult } from './worker-scenario.js';

export interface BenchResults {
  startedAt: string;
  machine: Machine;
  options: Record<string, unknown>;
  workerEnv: Record<string, string>;
  limit: LimitResult | null;
  peer: { wasm: PeerPoint; cpu: PeerPoint | null } | null;
  /** onnxruntime + Pillow in Python (bench/peer_python.py), or why it was skipped. */
  pythonPeer?: PythonPeerOutcome | null;
  cold: ScenarioResult | null;
  warm: ScenarioResult | null;
  text: ScenarioResult | null;
  /** Text-only with a shadow text model (`--only text,text-shadow`). */
  textShadow?: ScenarioResult | null;
  paced: ScenarioResult | null;
  flood: (ScenarioResult & { budgets?: 'on' | 'off' }) | null;
  /** Video pins (`--only video`): frames scored, per pin and per second, and the load average after. */
  video?:
    | (ScenarioResult & {
        frames: number;
        framesPerPin: number;
        framesPerSecond: number;
        loadAverage: number[];
      })
    | null;
  loadAverageAtEnd: [number, number, number];
  totalSeconds: number;
}

const f = (x: number | undefined, digits = 1) =>
  x === undefined || Number.isNaN(x)
    ? 'n/a'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || b === 0
    ? ''
    : `${(a / b).toFixed(2)} x`;
const check = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : 'MISSED');

/** The one table: rows of [what, figure, unit, vs limit, vs peer, aim, verdict]. */
export function tableRows(r: BenchResults): string[][] {
  const limit = r.limit?.best.imagesPerSecond;
  const peer = r.peer?.wasm.imagesPerSecond;
  const rows: string[][] = [];
  const lat = (s: ScenarioResult) =>
    `${f(s.latencyMs.p50, 0)} / ${f(s.latencyMs.p95, 0)} / ${f(s.latencyMs.p99, 0)}`;
  if (r.limit) {
    const b = r.limit.best;
    rows.push([
      `limit: decode + preprocess + ONNX, in process (batch ${b.batch}, ${b.threads} ORT threads)`,
      f(limit),
      'images/s',
      '1.00 x',
      ratio(limit, peer),
      '',
      '',
    ]);
    rows.push([
      `limit: ONNX inference alone (batch ${r.limit.inferenceOnly.batch})`,
      f(r.limit.inferenceOnly.imagesPerSecond),
      'images/s',
      ratio(r.limit.inferenceOnly.imagesPerSecond, limit),
      '',
      '',
      '',
    ]);
  }
  if (r.cold) {
    const c = r.cold;
    rows.push([
      `worker, cold cache (${c.pins} distinct images)`,
      f(c.pinsPerSecond),
      'pins/s',
      ratio(c.pinsPerSecond, limit),
      ratio(c.pinsPerSecond, peer),
      '>= 0.85 x limit; >= 10 x peer',
      `${check(limit === undefined ? undefined : c.pinsPerSecond >= 0.85 * limit)}${peer === undefined ? '' : ` / ${check(c.pinsPerSecond >= 10 * peer)}`}`,
    ]);
    rows.push([
      'worker, cold: latency p50 / p95 / p99 (queueing in Kafka included)',
      lat(c),
      'ms',
      '',
      '',
      '',
      '',
    ]);
    rows.push([
      'worker, cold: peak RSS (VmHWM)',
      f(c.peakRssMiB, 0),
      'MiB',
      '',
      '',
      '<= 600 MiB',
      check(c.peakRssMiB <= 600),
    ]);
  }
  if (r.warm)
    rows.push([
      `worker, warm cache (${r.warm.pins} pins of seen content)`,
      f(r.warm.pinsPerSecond),
      'pins/s',
      '',
      '',
      '>= 3,000',
      check(r.warm.pinsPerSecond >= 3000),
    ]);
  if (r.text)
    rows.push([
      `worker, text-only (${r.text.pins} distinct texts)`,
      f(r.text.pinsPerSecond),
      'pins/s',
      '',
      '',
      '>= 3,000',
      check(r.text.pinsPerSecond >= 3000),
    ]);
  if (r.textShadow?.shadow) {
    const t = r.textShadow;
    rows.push([
      `worker, text-only with a shadow text model: primary labels`,
      f(t.pinsPerSecond),
      'pins/s',
      '',
      '',
      r.text ? `text-only: ${f(r.text.pinsPerSecond)}` : '',
      '',
    ]);
    rows.push([
      `worker, text-only with a shadow: shadow work done too (${t.shadow!.labels} shadow labels, ${t.shadow!.shed} shed)`,
      f(t.shadow!.pinsPerSecond),
      'pins/s',
      '',
      '',
      '',
      '',
    ]);
  }
  if (r.paced) {
    const p = r.paced;
    rows.push([
      `worker, paced at ${f(p.offeredPerSecond)} pins/s (half of cold), ${p.pins} pins: latency p50 / p95 / p99`,
      lat(p),
      'ms',
      '',
      '',
      'p99 <= 300 ms',
      check(p.latencyMs.p99 <= 300),
    ]);
  }
  if (r.flood) {
    const fl = r.flood;
    rows.push([
      `worker, flood of ${fl.pins} max-size images (budgets ${fl.budgets ?? 'on'}): peak RSS (VmHWM)`,
      f(fl.peakRssMiB, 0),
      'MiB',
      '',
      '',
      'bounded by the budgets',
      '',
    ]);
    rows.push([
      `worker, flood: labels / UNSCORED (${fl.durationSeconds.toFixed(0)} s)`,
      `${fl.labels} / ${fl.unscored}`,
      'pins',
      '',
      '',
      '',
      '',
    ]);
  }
  const rss = Math.max(
    ...[r.cold, r.warm, r.text, r.paced]
      .filter((s): s is ScenarioResult => s !== null)
      .map((s) => s.peakRssMiB),
  );
  if (Number.isFinite(rss))
    rows.push([
      'worker: peak RSS, highest of all scenarios',
      f(rss, 0),
      'MiB',
      '',
      '',
      '<= 600 MiB',
      check(rss <= 600),
    ]);
  if (r.peer) {
    rows.push([
      `peer: nsfwjs on tfjs-backend-wasm, decode included (${r.peer.wasm.images} images)`,
      f(r.peer.wasm.imagesPerSecond, 2),
      'images/s',
      ratio(peer, limit),
      '1.00 x',
      '',
      '',
    ]);
    if (r.peer.cpu)
      rows.push([
        `peer: nsfwjs on pure @tensorflow/tfjs cpu (${r.peer.cpu.images} images)`,
        f(r.peer.cpu.imagesPerSecond, 2),
        'images/s',
        ratio(r.peer.cpu.imagesPerSecond, limit),
        ratio(r.peer.cpu.imagesPerSecond, peer),
        '',
        '',
      ]);
  }
  if (isSkipped(r.pythonPeer)) {
    rows.push([
      `peer: Python onnxruntime + Pillow: not measured, ${r.pythonPeer.skipped}`,
      '',
      '',
      '',
      '',
      '',
      '',
    ]);
  } else if (r.pythonPeer) {
    const p = r.pythonPeer;
    rows.push([
      `peer: Python onnxruntime + Pillow, decode included (batch ${p.best.batch}, ${p.best.threads} ORT threads; max abs dp vs worker ${p.maxAbsDiff.toExponential(1)} on ${p.checked} images)`,
      f(p.best.imagesPerSecond),
      'images/s',
      ratio(p.best.imagesPerSecond, limit),
      ratio(p.best.imagesPerSecond, peer),
      '',
      '',
    ]);
  }
  if (r.video) {
    const v = r.video;
    rows.push([
      `worker, ${v.pins} distinct video pins (5 s clips)`,
      f(v.pinsPerSecond, 2),
      'pins/s',
      '',
      '',
      '',
      '',
    ]);
    rows.push([
      `worker, video frames scored (${f(v.framesPerPin)} per pin)`,
      f(v.framesPerSecond),
      'frames/s',
      ratio(v.framesPerSecond, limit),
      '',
      '',
      '',
    ]);
    rows.push([
      'worker, video pins: peak RSS (VmHWM) / ready',
      `${f(v.peakRssMiB, 0)} / ${f(v.readyRssMiB, 0)}`,
      'MiB',
      '',
      '',
      '',
      '',
    ]);
  }
  return rows;
}

const HEAD = ['measure', 'figure', 'unit', 'vs limit', 'vs peer (wasm)', 'aim', 'aim'];

export function textTable(rows: string[][]): string {
  const all = [HEAD, ...rows];
  const widths = HEAD.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(rows: string[][]): string {
  const line = (row: string[]) => `| ${row.join(' | ')} |`;
  return [line(HEAD), line(HEAD.map(() => '---')), ...rows.map(line)].join('\n');
}
