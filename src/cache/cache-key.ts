/**
 * Cache keys carry everything that makes a score valid: the signal, the content it was computed on
 * and the exact model version, so a new model version never reads an old version's scores:
 * `iw:v1:<signal>:<content key>:<model>@<version>`.
 */
export function cacheKey(signal: string, contentKey: string, modelId: string): string {
  return `iw:v1:${signal}:${contentKey}:${modelId}`;
}
