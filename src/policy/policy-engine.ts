/**
 * Scores -> decisions. Per signal: BLOCK if any block class scores at or above its threshold, else
 * REVIEW if any review class does, else ALLOW; a signal without scores is UNSCORED. Overall: the
 * most severe decision of the scored signals (BLOCK > REVIEW > ALLOW); UNSCORED signals never lower
 * it, and a pin with no scored signal is UNSCORED.
 *
 * A class the rule names but the scores lack (or a non-finite score) cannot trigger; it is listed in
 * `missing` so the caller can count it. `checkRuleClasses` at start makes this a rare event.
 */
import type { DecisionPolicy } from '../pipeline/decision-policy.js';
import type { Decision, Policy, SignalRule } from './policy.js';

export type Scores = Readonly<Record<string, number>>;

export interface SignalDecision {
  readonly decision: Decision;
  /** The class, score and threshold that decided REVIEW or BLOCK (the highest-scoring trigger). */
  readonly trigger?: { readonly class: string; readonly score: number; readonly threshold: number };
  readonly missing: readonly string[];
}

export interface PolicyDecision {
  readonly policyVersion: string;
  readonly decision: Decision;
  readonly signals: Readonly<Record<string, SignalDecision>>;
}

const SEVERITY: Record<Decision, number> = { UNSCORED: 0, ALLOW: 1, REVIEW: 2, BLOCK: 3 };

export function moreSevere(a: Decision, b: Decision): Decision {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

function strongestTrigger(
  scores: Scores,
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
export function decideSignal(rule: SignalRule, scores: Scores | undefined): SignalDecision {
  if (!scores) return { decision: 'UNSCORED', missing: [] };
  const missing = new Set<string>();
  const block = strongestTrigger(scores, rule.block, missing);
  const review = strongestTrigger(scores, rule.review, missing);
  const base = { missing: [...missing] };
  if (block) return { decision: 'BLOCK', trigger: block, ...base };
  if (review) return { decision: 'REVIEW', trigger: review, ...base };
  return { decision: 'ALLOW', ...base };
}

/** The policy as the pipeline uses it ({@link DecisionPolicy}), plus a whole-pin `decideAll`. */
export class PolicyEngine implements DecisionPolicy {
  readonly policy: Policy;
  readonly version: string;

  constructor(policy: Policy) {
    this.policy = policy;
    this.version = policy.version;
  }

  /** One scored signal's decision; a signal the policy has no rule for is UNSCORED. */
  decide(signal: string, scores: Scores): Decision {
    const rule = this.policy.signals[signal];
    return rule ? decideSignal(rule, scores).decision : 'UNSCORED';
  }

  /** The most severe decision; UNSCORED only when no signal was scored. */
  overall(decisions: readonly Decision[]): Decision {
    return decisions.reduce<Decision>(moreSevere, 'UNSCORED');
  }

  /**
   * Decides every signal of the policy from `scores` (signal name -> class scores, or undefined
   * when unscored). Signals in `scores` that the policy does not know are ignored; signals of the
   * policy absent from `scores` are UNSCORED.
   */
  decideAll(scores: Readonly<Record<string, Scores | undefined>>): PolicyDecision {
    const signals: Record<string, SignalDecision> = {};
    for (const [signal, rule] of Object.entries(this.policy.signals))
      signals[signal] = decideSignal(rule, scores[signal]);
    const decision = this.overall(Object.values(signals).map((s) => s.decision));
    return { policyVersion: this.policy.version, decision, signals };
  }
}
