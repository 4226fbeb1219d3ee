import type { ClassScores } from '../cache/signal-cache.js';

export type SignalName = 'image.safety' | 'text.spam';

export interface ModelRef {
  readonly name: string;
  readonly version: string;
}

/** One signal of one pin before the policy: scores, or the code that says why there are none. */
export type SignalResult = {
  readonly signal: SignalName;
  readonly model: ModelRef;
  /** Key of the content scored (`sig:...` or `sha256:...`); null when the content could not be read. */
  readonly contentKey: string | null;
} & (
  | { readonly scores: ClassScores; readonly cached: boolean; readonly reasonCode: null }
  | { readonly scores: null; readonly cached: false; readonly reasonCode: string }
);

export function modelId(model: ModelRef): string {
  return `${model.name}@${model.version}`;
}

export function unscored(
  signal: SignalName,
  model: ModelRef,
  reasonCode: string,
  contentKey: string | null = null,
): SignalResult {
  return { signal, model, contentKey, scores: null, cached: false, reasonCode };
}
