import { createHash } from 'node:crypto';

/**
 * Content keys name what a score was computed on: the sha256 of the bytes or of the model text, or an
 * upstream image signature (`sig:<signature>`) trusted as an alias of the bytes (`IMAGE_SIGNATURES`).
 */
export function signatureKey(signature: string): string {
  return `sig:${signature}`;
}

export function sha256Key(content: Buffer | string): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}
