/**
 * Worker-thread entry of {@link OrbThread} (orb-thread.ts): OpenCV.js is wasm and synchronous (tens to
 * hundreds of ms per extraction), so it runs here, never on the main thread's event loop. Protocol:
 * workerData {@link OrbThreadData}; first message out `{kind: 'ready'}` once OpenCV.js is loaded, or
 * `{kind: 'failed', message}`; then each request `{id, op, ...}` is answered `{id, ...result}` or
 * `{id, error: {message, code}}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isIntegrityError } from '../errors.js';
import { orbGrey } from '../preprocess/orb-grey.js';
import { inProcessInliers } from './near-duplicate-verification.js';
import { mirrorGrey, openCv, orbFeatures } from './orb-verifier.js';
import type { OrbRequest, OrbThreadData } from './orb-thread.js';

const port = parentPort;
if (!port) throw new Error('orb-thread-worker.ts must run in a worker thread');
const { longerSidePx, maxPixels } = workerData as OrbThreadData;

async function answer(request: OrbRequest): Promise<Record<string, unknown>> {
  switch (request.op) {
    case 'query': {
      const grey = await orbGrey(request.bytes, longerSidePx, maxPixels);
      return { direct: await orbFeatures(grey), mirrored: await orbFeatures(mirrorGrey(grey)) };
    }
    case 'index':
      return { features: await orbFeatures(await orbGrey(request.bytes, longerSidePx, maxPixels)) };
    case 'inliers':
      return { ...(await inProcessInliers(request.query, request.indexed)) };
  }
}

try {
  await openCv();
  port.on('message', (request: OrbRequest) => {
    answer(request).then(
      (result) => port.postMessage({ id: request.id, ...result }),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          error: {
            message: error instanceof Error ? error.message : String(error),
            code: isIntegrityError(error) ? error.code : 'IW_NEAR_DUPLICATE_UNVERIFIED',
          },
        }),
    );
  });
  port.postMessage({ kind: 'ready' });
} catch (error) {
  port.postMessage({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
}
