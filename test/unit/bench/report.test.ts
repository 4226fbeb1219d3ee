import { describe, expect, it } from 'vitest';
import { AIMS, HEAD, markdownTable, tableRows, type BenchResults } from '../../../bench/lib/report.js';
import type { ScenarioResult } from '../../../bench/lib/worker-scenario.js';

const scenario = (name: string, pinsPerSecond: number, peakRssMiB: number, p99 = 100): ScenarioResult => ({
  name,
  pins: 1000,
  labels: 1000,
  pinsPerSecond,
  latencyMs: { n: 1000, p50: 50, p95: 90, p99, max: p99 + 10 },
  latencyIncludesQueueing: true,
  durationSeconds: 10,
  peakRssMiB,
  readyRssMiB: 280,
  unscored: 0,
  deadLetters: 0,
  cacheHits: 0,
  cacheMisses: 0,
  meanBatch: { image: 8, text: 16 },
  meanMs: {},
});

/** A run where every issue-18 figure was measured: limit 100 images/s, nsfwjs 5, Python 50. */
function results(overrides: Partial<BenchResults> = {}): BenchResults {
  return {
    startedAt: '2026-12-01T00:00:00.000Z',
    machine: {
      cpu: 'test',
      cores: 2,
      memoryGiB: 8,
      freeMemoryGiB: 4,
      node: 'v20',
      platform: 'linux x64',
      loadAverage: [0, 0, 0],
    },
    options: {},
    workerEnv: {},
    limit: {
      points: [],
      best: { threads: 2, batch: 8, images: 400, imagesPerSecond: 100 },
      inferenceOnly: { threads: 2, batch: 8, images: 0, imagesPerSecond: 200 },
    },
    peer: { wasm: { backend: 'wasm', images: 100, imagesPerSecond: 5, detail: '' }, cpu: null },
    pythonPeer: {
      points: [],
      best: { threads: 2, batch: 16, images: 200, imagesPerSecond: 50 },
      versions: {},
      checked: 32,
      maxAbsDiff: 0,
      topClassAgreement: 1,
    },
    cold: scenario('cold', 96, 440),
    warm: scenario('warm', 8000, 300),
    text: scenario('text', 4999, 300),
    paced: { ...scenario('paced', 48, 420, 151), offeredPerSecond: 48 },
    flood: { ...scenario('flood', 2, 900), budgets: 'on' },
    loadAverageAtEnd: [0, 0, 0],
    totalSeconds: 1,
    ...overrides,
  };
}

const row = (rows: string[][], start: string) => {
  const found = rows.find((r) => r[0]!.startsWith(start));
  if (!found) throw new Error(`no row starting with ${start}`);
  return Object.fromEntries(HEAD.map((h, i) => [h, found[i]]));
};

describe('bench table', () => {
  it('gives every image throughput its ratio to the limit and to each peer', () => {
    const rows = tableRows(results());
    expect(row(rows, 'limit: decode')).toMatchObject({
      'vs limit': '1.00 x',
      'vs nsfwjs (wasm)': '20.00 x',
      'vs Python peer': '2.00 x',
    });
    expect(row(rows, 'limit: ONNX inference alone')['vs limit']).toBe('2.00 x');
    expect(row(rows, 'worker, cold cache')).toMatchObject({
      figure: '96.0',
      'vs limit': '0.96 x',
      'vs nsfwjs (wasm)': '19.20 x',
      'vs Python peer': '1.92 x',
    });
    expect(row(rows, 'peer: nsfwjs')).toMatchObject({ 'vs limit': '0.05 x', 'vs Python peer': '0.10 x' });
    expect(row(rows, 'peer: Python')).toMatchObject({ 'vs limit': '0.50 x', 'vs nsfwjs (wasm)': '10.00 x' });
  });

  it("checks the issue's targets at their boundaries", () => {
    const rows = tableRows(results());
    expect(row(rows, 'worker, cold cache')['met?']).toBe('met / met');
    expect(row(rows, 'worker, warm cache')['met?']).toBe('met');
    expect(row(rows, 'worker, text-only')['met?']).toBe('MISSED');
    expect(row(rows, 'worker, paced')['met?']).toBe('MISSED');
    expect(row(rows, 'worker, cold: peak RSS')['met?']).toBe('met');
    const slow = tableRows(results({ cold: scenario('cold', 94.9, 451) }));
    expect(row(slow, 'worker, cold cache')['met?']).toBe('MISSED / met');
    expect(row(slow, 'worker, cold: peak RSS')['met?']).toBe('MISSED');
    const fewVsNsfwjs = tableRows(
      results({ peer: { ...results().peer!, wasm: { ...results().peer!.wasm, imagesPerSecond: 7 } } }),
    );
    expect(row(fewVsNsfwjs, 'worker, cold cache')['met?']).toBe('met / MISSED');
    expect(AIMS).toMatchObject({ coldVsLimit: 0.95, coldVsNsfwjs: 15, peakRssMiB: 450 });
  });

  it('takes the highest peak RSS over every scenario, the flood included', () => {
    const rows = tableRows(results());
    expect(row(rows, 'worker: peak RSS, highest')).toMatchObject({ figure: '900', 'met?': 'MISSED' });
    expect(row(rows, 'worker: peak RSS, highest')['measure']).toContain('(flood)');
    const noFlood = tableRows(results({ flood: null }));
    expect(row(noFlood, 'worker: peak RSS, highest')).toMatchObject({ figure: '440', 'met?': 'met' });
  });

  it('says why a peer was not measured, and leaves its ratios empty', () => {
    const rows = tableRows(results({ pythonPeer: { skipped: 'no python3' } }));
    expect(row(rows, 'peer: Python')['measure']).toContain('not measured, no python3');
    expect(row(rows, 'worker, cold cache')['vs Python peer']).toBe('');
    const noLimit = tableRows(results({ limit: null }));
    expect(row(noLimit, 'worker, cold cache')['met?']).toBe('n/a / met');
  });

  it('escapes a | inside a markdown cell', () => {
    const table = markdownTable([['a | b', '1', '', '', '', '', '', '']]);
    expect(table.split('\n')[2]).toBe('| a \\| b | 1 |  |  |  |  |  |  |');
  });
});
