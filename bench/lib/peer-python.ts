/**
 * The Python peer: what a Python team would write instead of the worker's image path, `bench/peer_python.py`
 * (onnxruntime + Pillow + numpy from PyPI, venv by scripts/python-env.sh from
 * bench/requirements-peer.txt), run as a child process on the limit's image files (written to a temp
 * dir), with the same ONNX file and the same preprocessing, decode included. The first `checkImages`
 * files are also scored here by the worker's own code (`preprocessImage` + the model's session) so
 * the result says how far the two are apart (max |dp|, top-class agreement). When the venv cannot be
 * built (no python3, no PyPI), the peer is skipped with the reason, not the bench.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelRepository } from '../../src/infer/model-repository.js';
import {
  imageTensorSize,
  preprocessImage,
  type ImagePreprocessSpec,
} from '../../src/preprocess/image-tensor.js';
import type { ImageVariant } from './image-variants.js';

export interface PythonPeerPoint {
  threads: number;
  batch: number;
  images: number;
  imagesPerSecond: number;
}

export interface PythonPeerResult {
  points: PythonPeerPoint[];
  best: PythonPeerPoint;
  versions: Record<string, string>;
  /** Images scored by both (the first `checkImages` of the limit's). */
  checked: number;
  /** Largest |p_python - p_worker| over every class of every checked image. */
  maxAbsDiff: number;
  /** Share of checked images whose top class is the same. */
  topClassAgreement: number;
}

export type PythonPeerOutcome = PythonPeerResult | { skipped: string };

export const isSkipped = (o: PythonPeerOutcome | null | undefined): o is { skipped: string } =>
  o !== null && o !== undefined && 'skipped' in o;

/** Max |dp| and top-class agreement of two lists of probability rows (same images, same order). */
export function agreement(
  ours: readonly (readonly number[])[],
  theirs: readonly (readonly number[])[],
): { maxAbsDiff: number; topClassAgreement: number } {
  if (ours.length !== theirs.length || ours.length === 0)
    throw new Error(`cannot compare ${ours.length} rows with ${theirs.length}`);
  const argmax = (row: readonly number[]) => row.indexOf(Math.max(...row));
  let max = 0;
  let same = 0;
  ours.forEach((row, i) => {
    const other = theirs[i]!;
    if (other.length !== row.length) throw new Error(`row ${i}: ${row.length} classes vs ${other.length}`);
    row.forEach((p, k) => (max = Math.max(max, Math.abs(p - other[k]!))));
    if (argmax(row) === argmax(other)) same++;
  });
  return { maxAbsDiff: max, topClassAgreement: same / ours.length };
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs a command; resolves with its stdout, rejects with the tail of its stderr on a non-zero exit. */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
  onStderrLine?: (line: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const lines = err.split('\n');
      err = lines.pop()!;
      for (const line of lines) onStderrLine?.(line);
    });
    child.once('error', (e) => (live.delete(child), reject(e)));
    child.once('exit', (code, signal) => {
      live.delete(child);
      if (err) onStderrLine?.(err);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args[0] ?? ''} exited with ${code ?? signal}`));
    });
  });
}

/** The worker's scores of the first `count` images: its decode + preprocess, its ONNX session. */
async function workerScores(modelsDir: string, ref: string, images: readonly ImageVariant[]) {
  const at = ref.lastIndexOf('@');
  const repo = new ModelRepository({
    root: modelsDir,
    session: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  });
  const model = await repo.load(ref.slice(0, at), ref.slice(at + 1));
  try {
    const spec = model.manifest.preprocess as unknown as ImagePreprocessSpec;
    const input = model.manifest.inputs[0]!.name;
    const output = model.manifest.outputs[0]!.name;
    const rows: number[][] = [];
    for (const image of images) {
      const data = new Float32Array(imageTensorSize(spec));
      await preprocessImage(image.bytes, spec, { maxPixels: 50_000_000 }, data);
      const result = await model.session.run({
        [input]: { type: 'float32', data, dims: [1, spec.height, spec.width, 3] },
      });
      rows.push(Array.from(result[output]!.data as Float32Array));
    }
    return { rows, dir: model.dir };
  } finally {
    await model.session.close();
  }
}

export async function measurePythonPeer(options: {
  root: URL;
  modelsDir: string;
  model: string;
  images: readonly ImageVariant[];
  batches: readonly number[];
  threads: readonly number[];
  seconds: number;
  checkImages: number;
  log: (line: string) => void;
}): Promise<PythonPeerOutcome> {
  const cwd = fileURLToPath(options.root);
  let python: string;
  try {
    python = (
      await run('bash', ['scripts/python-env.sh', 'bench/requirements-peer.txt'], cwd, options.log)
    ).trim();
  } catch (error) {
    const reason = `the venv of bench/requirements-peer.txt could not be built (${error instanceof Error ? error.message : String(error)})`;
    options.log(`python peer: skipped: ${reason}`);
    return { skipped: reason };
  }
  const dir = await mkdtemp(join(tmpdir(), 'iw-bench-python-peer-'));
  try {
    const paths = options.images.map((v) => join(dir, v.name));
    await Promise.all(options.images.map((v, i) => writeFile(paths[i]!, v.bytes)));
    await writeFile(join(dir, 'files.txt'), `${paths.join('\n')}\n`);
    const checked = options.images.slice(0, options.checkImages);
    const ours = await workerScores(options.modelsDir, options.model, checked);
    const out = join(dir, 'result.json');
    const failed = await run(
      python,
      [
        'bench/peer_python.py',
        '--manifest',
        join(ours.dir, 'manifest.json'),
        '--files',
        join(dir, 'files.txt'),
        '--out',
        out,
        '--batches',
        options.batches.join(','),
        '--threads',
        options.threads.join(','),
        '--seconds',
        String(options.seconds),
        '--check',
        String(checked.length),
      ],
      cwd,
      (line) => line && options.log(line),
    ).then(
      () => null,
      (error: unknown) =>
        `bench/peer_python.py failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    if (failed !== null) {
      options.log(`python peer: skipped: ${failed}`);
      return { skipped: failed };
    }
    const result = JSON.parse(await readFile(out, 'utf8')) as {
      points: PythonPeerPoint[];
      best: PythonPeerPoint;
      versions: Record<string, string>;
      check: { probabilities: number[][] };
    };
    const { maxAbsDiff, topClassAgreement } = agreement(ours.rows, result.check.probabilities);
    options.log(
      `python peer: best threads ${result.best.threads}, batch ${result.best.batch}: ${result.best.imagesPerSecond.toFixed(1)} images/s; against the worker's scores of ${checked.length} images: max |dp| ${maxAbsDiff.toExponential(2)}, top class ${(topClassAgreement * 100).toFixed(0)} %`,
    );
    return {
      points: result.points,
      best: result.best,
      versions: result.versions,
      checked: checked.length,
      maxAbsDiff,
      topClassAgreement,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
