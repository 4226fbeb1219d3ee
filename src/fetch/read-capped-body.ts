import type { Readable } from 'node:stream';
import { IntegrityError } from '../errors.js';

/**
 * Reads a response body into one Buffer, destroying the stream (which closes the connection) the
 * moment more than `maxBytes` have arrived: `IW_IMAGE_TOO_LARGE` with `details.bytesRead`. A server
 * that never ends its body is stopped by the cap or by the caller's deadline, never read forever.
 */
export async function readCappedBody(
  body: Readable,
  maxBytes: number,
  details: Record<string, unknown>,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytesRead = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    bytesRead += chunk.length;
    if (bytesRead > maxBytes) {
      discardBody(body);
      throw new IntegrityError('IW_IMAGE_TOO_LARGE', 'image body exceeds the byte cap', {
        details: { ...details, bytesRead, maxBytes },
      });
    }
    chunks.push(chunk);
  }
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
