/**
 * Scores -> decisions. Per signal: BLOCK if any block class scores at or above its threshold, else
 * REVIEW if any review class does, else ALLOW; a signal without scores is UNSCORED. Overall: the
 * most severe decision of the scored signals (BLOCK > REVIEW > ALLOW); UNSCORED signals never lower
 * it, and a pin with no scored signal is UNSCORED.
 *
 * A class the rule names but the scores lack (or a non-finite score) cannot trigger; it is listed in
 * `missing` so the caller can count it. `checkRuleClasses` at start makes this a rare event.
 */
import type { ClassScores } from '../scores.js';
import type { Decision, Policy, SignalRule } from './policy.js';

export interface SignalDecision {
  readonly decision: Decision;
  /** The class, score and threshold that decided REVIEW or BLOCK (the highest-scoring trigger). */
  readonly trigger?: { readonly class: string; readonly score: number; readonly threshold: number };
  readonly missing: readonly string[];
}

/** The decision of one pin: per signal (in the order given), and overall. */
export interface PolicyDecision {
  readonly policyVersion: string;
  readonly decision: Decision;
  readonly signals: readonly (SignalDecision & { readonly signal: string })[];
}

/** What the policy reads of a signal result: its name and its scores (null when UNSCORED). */
export interface ScoredSignal {
  readonly signal: string;
  readonly scores: ClassScores | null;
}

const SEVERITY: Record<Decision, number> = { UNSCORED: 0, ALLOW: 1, REVIEW: 2, BLOCK: 3 };

export function moreSevere(a: Decision, b: Decision): Decision {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

function strongestTrigger(
  scores: ClassScores,
  thresholds: SignalRule['block'],
  missing: Set<string>,
): SignalDecision['trigger'] {
  let best: SignalDecision['trigger'];
  for (const [name, threshold] of Object.entries(thresholds)) {
    const score = scores[name];
    if (score === undefined || !Number.isFinite(score)) {
      missing.add(name);
      continue;
    }
    if (score >= threshold && (!best || score > best.score)) best = { class: name, score, threshold };
  }
  return best;
}

/** Decides one signal; `scores` undefined means the signal was not scored (fetch failed, no text...). */
export function decideSignal(rule: SignalRule, scores: ClassScores | undefined): SignalDecision {
  if (!scores) return { decision: 'UNSCORED', missing: [] };
  const missing = new Set<string>();
  const block = strongestTrigger(scores, rule.block, missing);
  const review = strongestTrigger(scores, rule.review, missing);
  const base = { missing: [...missing] };
  if (block) return { decision: 'BLOCK', trigger: block, ...base };
  if (review) return { decision: 'REVIEW', trigger: review, ...base };
  return { decision: 'ALLOW', ...base };
}

/**
 * The one decision path, shared by the worker's labels and `classify`: {@link decideSignals} turns the
 * signal results of a pin into per-signal decisions and the pin's decision.
 */
export class PolicyEngine {
  readonly policy: Policy;
  readonly version: string;

  constructor(policy: Policy) {
    this.policy = policy;
    this.version = policy.version;
  }

  /**
   * Decides every signal result, in order, and the pin. A signal without scores, or one the policy
   * has no rule for, is UNSCORED; the pin's decision is the most severe of its signals'.
   */
  decideSignals(results: readonly ScoredSignal[]): PolicyDecision {
    const signals = results.map(({ signal, scores }) => {
      const rule = this.policy.signals[signal];
      const decided = rule
        ? decideSignal(rule, scores ?? undefined)
        : { decision: 'UNSCORED' as const, missing: [] };
      return { signal, ...decided };
    });
    const decision = this.overall(signals.map((s) => s.decision));
    return { policyVersion: this.version, decision, signals };
  }

  /** One scored signal's decision; a signal the policy has no rule for is UNSCORED. */
  decide(signal: string, scores: ClassScores): Decision {
    const rule = this.policy.signals[signal];
    return rule ? decideSignal(rule, scores).decision : 'UNSCORED';
  }

  /** The most severe decision; UNSCORED only when no signal was scored. */
  overall(decisions: readonly Decision[]): Decision {
    return decisions.reduce<Decision>(moreSevere, 'UNSCORED');
  }
}
