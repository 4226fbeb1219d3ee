/**
 * An onnxruntime-node session on the calling thread. Note: onnxruntime-node 1.30 defers `run` with
 * setImmediate and then runs the graph synchronously, so on the main thread every batch blocks the
 * event loop for its full compute time (measured in bench/inference-latency.ts). Serving uses
 * {@link createWorkerSession}; this one is for the worker thread itself, tests and tools.
 */
import * as ort from 'onnxruntime-node';
import type { SessionFactory, SessionOptions, SessionRunner, ValueInfo } from './session-runner.js';
import type { TensorData, TensorMap } from './tensor-data.js';

/** Our session options as onnxruntime-node's (exported for its test). */
export function toOrtOptions(options: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: options.intraOpNumThreads ?? 1,
    interOpNumThreads: options.interOpNumThreads ?? 1,
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    executionMode: 'sequential',
    ...(options.allowSpinning === false && {
      // Config entries: onnxruntime-node flattens `extra` into session config keys.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    }),
  };
}

function valueInfo(meta: ort.InferenceSession.ValueMetadata): ValueInfo {
  return meta.isTensor
    ? { name: meta.name, type: meta.type, shape: [...meta.shape] }
    : { name: meta.name, type: undefined, shape: [] };
}

function fromOrt(tensor: ort.Tensor): TensorData {
  // Copy: the result leaves ORT's hands and may be transferred to another thread.
  const data = (tensor.data as TensorData['data']).slice();
  return { type: tensor.type as TensorData['type'], data, dims: [...tensor.dims] };
}

export const createInProcessSession: SessionFactory = async (path, options) => {
  const session = await ort.InferenceSession.create(path, toOrtOptions(options));
  let closed = false;
  const runner: SessionRunner = {
    inputs: session.inputMetadata.map(valueInfo),
    outputs: session.outputMetadata.map(valueInfo),
    async run(feeds: TensorMap): Promise<TensorMap> {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        ortFeeds[name] = new ort.Tensor(t.type, t.data, [...t.dims]);
      const results = await session.run(ortFeeds);
      const out: TensorMap = {};
      for (const [name, t] of Object.entries(results)) out[name] = fromOrt(t);
      return out;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
  return runner;
};
