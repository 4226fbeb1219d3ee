/**
 * Worker-thread entry: owns one onnxruntime session so that its synchronous compute never blocks
 * the main event loop. Protocol (see worker-session.ts): workerData { path, options }; first message
 * out is { kind: 'ready', inputs, outputs } or { kind: 'failed', error }; then requests
 * { id, feeds } are answered with { id, outputs } or { id, error }, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createInProcessSession } from './in-process-session.js';
import type { SessionOptions } from './session-runner.js';
import { transferList, type TensorMap } from './tensor-data.js';

type Init = { path: string; options: SessionOptions };
const port = parentPort;
if (!port) throw new Error('session-worker.ts must run in a worker thread');

function describe(error: unknown): { message: string; name: string } {
  return error instanceof Error
    ? { message: error.message, name: error.name }
    : { message: String(error), name: 'Error' };
}

const { path, options } = workerData as Init;
try {
  const session = await createInProcessSession(path, options);
  // The owner ends this thread with worker.terminate(); the session dies with it.
  port.on('message', (request: { id: number; feeds: TensorMap }) => {
    session.run(request.feeds).then(
      (outputs) => port.postMessage({ id: request.id, outputs }, transferList(outputs)),
      (error: unknown) => port.postMessage({ id: request.id, error: describe(error) }),
    );
  });
  port.postMessage({ kind: 'ready', inputs: session.inputs, outputs: session.outputs });
} catch (error) {
  port.postMessage({ kind: 'failed', error: describe(error) });
}
