import type { LimitResult } from './limit.js';
import type { Machine } from './machine.js';
import type { PeerPoint } from './peer.js';
import { isSkipped, type PythonPeerOutcome } from './peer-python.js';
import type { TextLimitResult } from './text-limit.js';
import type { ScenarioResult } from './worker-scenario.js';

export interface BenchResults {
  startedAt: string;
  machine: Machine;
  options: Record<string, unknown>;
  workerEnv: Record<string, string>;
  limit: LimitResult | null;
  /** The text yardstick (featurize + ONNX in process); absent in JSON written before it existed. */
  textLimit?: TextLimitResult | null;
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

/** Issue 18's targets, checked by the table (met / MISSED). */
export const AIMS = {
  coldVsLimit: 0.95,
  coldVsNsfwjs: 15,
  warmPinsPerSecond: 8000,
  textPinsPerSecond: 5000,
  pacedP99Ms: 150,
  peakRssMiB: 450,
} as const;

export const HEAD = [
  'measure',
  'figure',
  'unit',
  'vs limit',
  'vs nsfwjs (wasm)',
  'vs Python peer',
  'target',
  'met?',
];

/** A row with no ratio and no target: a figure beside the ones that have them. */
function figureRow(measure: string, figure: string, unit: string): string[] {
  return [measure, figure, unit, ...HEAD.slice(3).map(() => '')];
}

/**
 * The one table: rows of HEAD's columns. Every image throughput (limit, ONNX alone, worker cold,
 * video frames, each peer) has its ratio to the limit and to each peer; warm and text-only pins run
 * no image model, so they have targets but no ratios. A figure that was not measured has no row; a
 * peer that could not run has a row that says why.
 */
export function tableRows(r: BenchResults): string[][] {
  const limit = r.limit?.best.imagesPerSecond;
  const nsfwjs = r.peer?.wasm.imagesPerSecond;
  const python = r.pythonPeer && !isSkipped(r.pythonPeer) ? r.pythonPeer.best.imagesPerSecond : undefined;
  const rows: string[][] = [];
  const vs = (x: number | undefined) => [ratio(x, limit), ratio(x, nsfwjs), ratio(x, python)];
  const lat = (s: ScenarioResult) =>
    `${f(s.latencyMs.p50, 0)} / ${f(s.latencyMs.p95, 0)} / ${f(s.latencyMs.p99, 0)}`;
  const rssAim = `<= ${AIMS.peakRssMiB} MiB`;
  const rssOk = (mib: number) => check(mib <= AIMS.peakRssMiB);
  if (r.limit) {
    const b = r.limit.best;
    rows.push([
      `limit: decode + preprocess + ONNX, in process (batch ${b.batch}, ${b.threads} ORT threads)`,
      f(limit),
      'images/s',
      ...vs(limit),
      '',
      '',
    ]);
    if (b.cpuMsPerImage !== undefined)
      rows.push(figureRow('limit: CPU per image (bench process, all threads)', f(b.cpuMsPerImage, 2), 'ms'));
    rows.push([
      `limit: ONNX inference alone (batch ${r.limit.inferenceOnly.batch})`,
      f(r.limit.inferenceOnly.imagesPerSecond),
      'images/s',
      ...vs(r.limit.inferenceOnly.imagesPerSecond),
      '',
      '',
    ]);
  }
  if (r.cold) {
    const c = r.cold;
    const verdicts = [
      limit === undefined ? undefined : c.pinsPerSecond >= AIMS.coldVsLimit * limit,
      nsfwjs === undefined ? undefined : c.pinsPerSecond >= AIMS.coldVsNsfwjs * nsfwjs,
    ];
    rows.push([
      `worker, cold cache (${c.pins} distinct images)`,
      f(c.pinsPerSecond),
      'pins/s',
      ...vs(c.pinsPerSecond),
      `>= ${AIMS.coldVsLimit} x limit; >= ${AIMS.coldVsNsfwjs} x nsfwjs`,
      verdicts.map((v) => check(v) || 'n/a').join(' / '),
    ]);
    if (c.cpuMsPerPin !== undefined)
      rows.push(
        figureRow(
          'worker, cold: worker CPU per pin (all threads, ready to last label)',
          f(c.cpuMsPerPin, 2),
          'ms',
        ),
      );
    rows.push(figureRow('worker, cold: latency p50 / p95 / p99 (queueing in Kafka included)', lat(c), 'ms'));
    rows.push([
      'worker, cold: peak RSS (VmHWM)',
      f(c.peakRssMiB, 0),
      'MiB',
      '',
      '',
      '',
      rssAim,
      rssOk(c.peakRssMiB),
    ]);
  }
  if (r.warm)
    rows.push([
      `worker, warm cache (${r.warm.pins} pins of seen content)`,
      f(r.warm.pinsPerSecond),
      'pins/s',
      '',
      '',
      '',
      `>= ${f(AIMS.warmPinsPerSecond, 0)}`,
      check(r.warm.pinsPerSecond >= AIMS.warmPinsPerSecond),
    ]);
  const textLimit = r.textLimit?.workerBatch?.textsPerSecond;
  if (r.textLimit) {
    const t = r.textLimit;
    if (t.workerBatch)
      rows.push([
        `limit: text featurize + ONNX, in process (${t.model}, batch ${t.workerBatch.batch} = TEXT_MAX_BATCH)`,
        f(t.workerBatch.textsPerSecond, 0),
        'texts/s',
        '1.00 x',
        '',
        '',
        '',
        '',
      ]);
    rows.push([
      `limit: text featurize + ONNX, best batch (${t.best.batch})`,
      f(t.best.textsPerSecond, 0),
      'texts/s',
      ratio(t.best.textsPerSecond, textLimit),
      '',
      '',
      '',
      '',
    ]);
    rows.push([
      `limit: text featurize alone (main thread)`,
      f(t.prepareOnly, 0),
      'texts/s',
      ratio(t.prepareOnly, textLimit),
      '',
      '',
      '',
      '',
    ]);
  }
  if (r.text)
    rows.push([
      `worker, text-only (${r.text.pins} distinct texts)`,
      f(r.text.pinsPerSecond),
      'pins/s',
      ratio(r.text.pinsPerSecond, textLimit),
      '',
      '',
      `>= ${f(AIMS.textPinsPerSecond, 0)}`,
      check(r.text.pinsPerSecond >= AIMS.textPinsPerSecond),
    ]);
  if (r.text?.cpuMsPerPin !== undefined)
    rows.push(
      figureRow(
        'worker, text-only: worker CPU per pin (all threads, ready to last label)',
        f(r.text.cpuMsPerPin, 3),
        'ms',
      ),
    );
  if (r.textShadow?.shadow) {
    const t = r.textShadow;
    rows.push([
      `worker, text-only with a shadow text model: primary labels`,
      f(t.pinsPerSecond),
      'pins/s',
      '',
      '',
      '',
      r.text ? `text-only: ${f(r.text.pinsPerSecond)}` : '',
      '',
    ]);
    rows.push(
      figureRow(
        `worker, text-only with a shadow: shadow work done too (${t.shadow!.labels} shadow labels, ${t.shadow!.shed} shed)`,
        f(t.shadow!.pinsPerSecond),
        'pins/s',
      ),
    );
  }
  if (r.paced) {
    const p = r.paced;
    rows.push([
      `worker, paced at ${f(p.offeredPerSecond)} pins/s (half of cold), ${p.pins} pins: latency p50 / p95 / p99`,
      lat(p),
      'ms',
      '',
      '',
      '',
      `p99 <= ${AIMS.pacedP99Ms} ms`,
      check(p.latencyMs.p99 <= AIMS.pacedP99Ms),
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
      '',
      rssAim,
      rssOk(fl.peakRssMiB),
    ]);
    rows.push(
      figureRow(
        `worker, flood: labels / UNSCORED (${fl.durationSeconds.toFixed(0)} s)`,
        `${fl.labels} / ${fl.unscored}`,
        'pins',
      ),
    );
  }
  if (r.video) {
    const v = r.video;
    rows.push(
      figureRow(`worker, ${v.pins} distinct video pins (5 s clips)`, f(v.pinsPerSecond, 2), 'pins/s'),
    );
    rows.push([
      `worker, video frames scored (${f(v.framesPerPin)} per pin)`,
      f(v.framesPerSecond),
      'frames/s',
      ...vs(v.framesPerSecond),
      '',
      '',
    ]);
    rows.push(
      figureRow(
        'worker, video pins: peak RSS (VmHWM) / ready',
        `${f(v.peakRssMiB, 0)} / ${f(v.readyRssMiB, 0)}`,
        'MiB',
      ),
    );
  }
  // Every worker process the run started, the flood included: the RSS target is for all of them.
  const scenarios = [r.cold, r.warm, r.text, r.textShadow ?? null, r.paced, r.flood, r.video ?? null].filter(
    (s): s is ScenarioResult => s !== null,
  );
  if (scenarios.length > 0) {
    const highest = scenarios.reduce((a, b) => (b.peakRssMiB > a.peakRssMiB ? b : a));
    rows.push([
      `worker: peak RSS, highest of all scenarios (${highest.name})`,
      f(highest.peakRssMiB, 0),
      'MiB',
      '',
      '',
      '',
      rssAim,
      rssOk(highest.peakRssMiB),
    ]);
  }
  if (r.peer) {
    rows.push([
      `peer: nsfwjs on tfjs-backend-wasm, decode included (${r.peer.wasm.images} images)`,
      f(nsfwjs, 2),
      'images/s',
      ...vs(nsfwjs),
      '',
      '',
    ]);
    if (r.peer.cpu)
      rows.push([
        `peer: nsfwjs on pure @tensorflow/tfjs cpu (${r.peer.cpu.images} images)`,
        f(r.peer.cpu.imagesPerSecond, 2),
        'images/s',
        ...vs(r.peer.cpu.imagesPerSecond),
        '',
        '',
      ]);
  }
  if (isSkipped(r.pythonPeer)) {
    rows.push(figureRow(`peer: Python onnxruntime + Pillow: not measured, ${r.pythonPeer.skipped}`, '', ''));
  } else if (r.pythonPeer) {
    const p = r.pythonPeer;
    rows.push([
      `peer: Python onnxruntime + Pillow, decode included (batch ${p.best.batch}, ${p.best.threads} ORT threads; max abs dp vs worker ${p.maxAbsDiff.toExponential(1)} on ${p.checked} images)`,
      f(python),
      'images/s',
      ...vs(python),
      '',
      '',
    ]);
  }
  return rows;
}

export function textTable(rows: string[][]): string {
  const all = [HEAD, ...rows];
  const widths = HEAD.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** GitHub markdown; a `|` inside a cell is escaped so it cannot split the cell. */
export function markdownTable(rows: string[][]): string {
  const line = (row: string[]) => `| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(HEAD), line(HEAD.map(() => '---')), ...rows.map(line)].join('\n');
}
