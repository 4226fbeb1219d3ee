import { createHash } from 'node:crypto';

/**
 * Content keys name what a score was computed on. An upstream image signature is trusted as the
 * uploader's content hash (`sig:<signature>`) and lets a re-pin skip the download; otherwise the
 * sha256 of the bytes or of the model text is the key.
 */
export function signatureKey(signature: string): string {
  return `sig:${signature}`;
}

export function sha256Key(content: Buffer | string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}
