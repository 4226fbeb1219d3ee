import type { Machine } from './machine.js';
import type { ScenarioResult } from './worker-scenario.js';

/** One cell of `npm run bench:growth`: one variable moved from the base, the others at the base. */
export interface GrowthCell {
  variable: 'image size' | 'image batch' | 'partitions' | 'processes';
  size: string;
  width: number;
  height: number;
  /** Mean JPEG size of the cell's images, KiB. */
  meanKiB: number;
  batch: number;
  partitions: number;
  processes: number;
  /** The limit (decode + preprocess + ONNX in process) on the same size and batch; null where it does not apply. */
  limitImagesPerSecond: number | null;
  loadAverageAtStart: [number, number, number];
  worker: Omit<ScenarioResult, 'metricsText'>;
}

export interface GrowthResults {
  startedAt: string;
  machine: Machine;
  options: Record<string, unknown>;
  workerEnv: Record<string, string>;
  cells: GrowthCell[];
  loadAverageAtEnd: [number, number, number];
  totalSeconds: number;
}

const BASE = { size: 'typical', batch: 8, partitions: 4, processes: 1 };
const HEAD = [
  'variable',
  'value',
  'worker pins/s',
  'limit images/s',
  'worker / limit',
  'worker peak RSS, MiB',
  'RSS at ready, MiB',
  'mean image batch',
  'pins',
  'load average (1 min) at start',
];

const f = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined || Number.isNaN(x)
    ? ''
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function value(c: GrowthCell): string {
  switch (c.variable) {
    case 'image size':
      return `${c.size} ${c.width}x${c.height} (mean ${f(c.meanKiB, 0)} KiB)`;
    case 'image batch':
      return `IMAGE_MAX_BATCH ${c.batch}`;
    case 'partitions':
      return `${c.partitions} partition${c.partitions === 1 ? '' : 's'}`;
    case 'processes':
      return c.processes === 1
        ? `1 process (all ${c.partitions} partitions)`
        : `${c.processes} processes (${c.partitions / c.processes} partitions each)`;
  }
}

/** Pins over the time from their production to the last label (the workers were up before). */
export const pinsPerSecond = (c: GrowthCell) => c.worker.pinsPerSecondSinceProduced ?? c.worker.pinsPerSecond;

const isBase = (c: GrowthCell) =>
  c.size === BASE.size &&
  c.batch === BASE.batch &&
  c.partitions === BASE.partitions &&
  c.processes === BASE.processes;

/** Rows of the growth table, one per cell, in run order; the base cell is marked in every variable. */
export function growthRows(r: GrowthResults): string[][] {
  return r.cells.map((c) => {
    const w = c.worker;
    const rss =
      w.peakRssMiBEach && w.peakRssMiBEach.length > 1
        ? `${w.peakRssMiBEach.map((x) => f(x, 0)).join(' + ')} = ${f(
            w.peakRssMiBEach.reduce((a, b) => a + b, 0),
            0,
          )}`
        : f(w.peakRssMiB, 0);
    return [
      c.variable,
      `${value(c)}${isBase(c) ? ' (base)' : ''}`,
      f(pinsPerSecond(c)),
      f(c.limitImagesPerSecond),
      c.limitImagesPerSecond ? `${(pinsPerSecond(c) / c.limitImagesPerSecond).toFixed(2)} x` : '',
      rss,
      f(w.readyRssMiB, 0),
      f(w.meanBatch.image),
      `${w.labels} / ${w.pins}${w.unscored > 0 ? ` (${w.unscored} UNSCORED)` : ''}`,
      f(c.loadAverageAtStart[0], 2),
    ];
  });
}

export function growthTable(r: GrowthResults): string {
  const line = (row: string[]) => `| ${row.join(' | ')} |`;
  return [line(HEAD), line(HEAD.map(() => '---')), ...growthRows(r).map(line)].join('\n');
}
