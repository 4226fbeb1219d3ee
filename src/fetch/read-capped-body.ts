import type { Readable } from 'node:stream';
import { IntegrityError } from '../errors.js';
import type { Lease } from '../weighted-budget.js';

// The body budget is grown in steps of at least this much, not per chunk.
const GROW_STEP_BYTES = 256 * 1024;

/**
 * Reads a response body into one Buffer, destroying the stream (which closes the connection) the
 * moment more than `maxBytes` have arrived: `IW_IMAGE_TOO_LARGE` with `details.bytesRead`. A server
 * that never ends its body is stopped by the cap or by the caller's deadline, never read forever.
 *
 * Every byte read is covered by `lease` first: it grows (waiting for room in the body budget, until
 * `signal` aborts) before a chunk is kept, so the stream pauses, and TCP pushes back on the server,
 * while the budget is short. With a declared length, the buffer is allocated once at that size.
 */
export async function readCappedBody(
  body: Readable,
  maxBytes: number,
  details: Record<string, unknown>,
  lease?: { lease: Lease; declaredBytes?: number; signal?: AbortSignal },
): Promise<Buffer> {
  const declared = lease?.declaredBytes;
  const target = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let bytesRead = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    if (bytesRead > maxBytes || (target && bytesRead > target.length)) {
      discardBody(body);
      throw new IntegrityError('IW_IMAGE_TOO_LARGE', 'image body exceeds the byte cap', {
        details: { ...details, bytesRead, maxBytes },
      });
    }
    if (lease && bytesRead > lease.lease.weight) {
      const extra = Math.max(bytesRead - lease.lease.weight, GROW_STEP_BYTES);
      await lease.lease.grow(Math.min(extra, maxBytes - lease.lease.weight), lease.signal);
    }
    if (target) chunk.copy(target, bytesRead - chunk.length);
    else chunks.push(chunk);
  }
  if (target) return bytesRead === target.length ? target : target.subarray(0, bytesRead);
  return Buffer.concat(chunks, bytesRead);
}

/**
 * Closes a body the fetcher will not read. undici fails an unread body with "Request aborted" on
 * destroy; without a listener that error would be an uncaught exception and crash the process.
 */
export function discardBody(body: Readable): void {
  body.on('error', () => {});
  body.destroy();
}
