import type { ClassScores } from '../cache/signal-cache.js';
import type { SignalName } from './signal-result.js';

export type Decision = 'ALLOW' | 'REVIEW' | 'BLOCK' | 'UNSCORED';

/** Turns scores into decisions with one versioned threshold set (see `src/policy/`). */
export interface DecisionPolicy {
  readonly version: string;
  /** The decision for one scored signal. */
  decide(signal: SignalName, scores: ClassScores): Decision;
  /** The pin's decision: the strictest of the signals'; UNSCORED only when none was scored. */
  overall(decisions: readonly Decision[]): Decision;
}
