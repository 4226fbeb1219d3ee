/**
 * Cache keys carry everything that makes a score valid: the signal, the content it was computed on
 * and the exact model version, so a new model version never reads an old version's scores:
 * `<namespace>:v1:<signal>:<content key>:<model>@<version>` (namespace `iw` by default).
 */
export function cacheKey(namespace: string, signal: string, contentKey: string, modelId: string): string {
  return `${namespace}:v1:${signal}:${contentKey}:${modelId}`;
}
