/**
 * Scores -> decisions. Per scored signal: BLOCK if any block class scores at or above its threshold,
 * else REVIEW if any review class does, else ALLOW (rule `thresholds`).
 *
 * Per UNSCORED signal (no scores, a reason code), never a silent ALLOW:
 * - a transient failure (a retriable code: timeout, 5xx, 429, refused connection, inference) while
 *   a rescan may still be scheduled: rule `rescan`; under `pending: HOLD` the signal is UNSCORED and
 *   holds the pin (the pin is UNSCORED unless another signal says REVIEW or BLOCK), under
 *   `pending: REVIEW` the signal is REVIEW. The caller schedules the rescan ({@link PolicyDecision.rescan}).
 * - otherwise (permanent, or rescans used up): the policy's rule for the code (`unscored.<CODE>`),
 *   else its default (`unscored.default`, REVIEW unless the file says otherwise); IW_CONTENT_ABSENT
 *   (the pin has no image, or no text) is IGNORE unless the file names it (`unscored.absent`). IGNORE
 *   makes the signal UNSCORED and it does not count.
 *
 * Overall: the most severe decision of the signals (BLOCK > REVIEW > ALLOW); a held pin with no
 * REVIEW or BLOCK is UNSCORED; a pin with no counted signal is UNSCORED.
 *
 * A class the rule names but the scores lack (or a non-finite score) cannot trigger; it is listed in
 * `missing` so the caller can count it. `checkRuleClasses` at start makes this a rare event.
 */
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import type { ClassScores } from '../scores.js';
import type { Decision, Policy, SignalRule } from './policy.js';

/**
 * Which rule decided a signal: `thresholds` (scored), `rescan` (transient failure, rescan pending),
 * `unscored.<CODE>` (the policy's rule for that reason), `unscored.default`, `unscored.absent`
 * (no content: ignored), or `no-rule` (the policy has no rule for the signal).
 */
export type AppliedRule = string;

export interface SignalDecision {
  readonly decision: Decision;
  /** The class, score and threshold that decided REVIEW or BLOCK (the highest-scoring trigger). */
  readonly trigger?: { readonly class: string; readonly score: number; readonly threshold: number };
  readonly missing: readonly string[];
  readonly rule: AppliedRule;
}

/** The decision of one pin: per signal (in the order given), and overall. */
export interface PolicyDecision {
  readonly policyVersion: string;
  readonly decision: Decision;
  readonly signals: readonly (SignalDecision & { readonly signal: string })[];
  /** True when a signal's rule is `rescan`: the caller must schedule a rescan of the pin. */
  readonly rescan: boolean;
}

/** What the policy reads of a signal result: its name, its scores (null when UNSCORED) and why not. */
export interface ScoredSignal {
  readonly signal: string;
  readonly scores: ClassScores | null;
  /** Why there are no scores (an IW_* code); absent or null when scored. */
  readonly reasonCode?: string | null;
}

export interface DecideOptions {
  /** May a transient failure still be rescanned (attempts left, a rescan topic)? @defaultValue false */
  readonly rescanAllowed?: boolean;
}

const SEVERITY: Record<Decision, number> = { UNSCORED: 0, ALLOW: 1, REVIEW: 2, BLOCK: 3 };

export function moreSevere(a: Decision, b: Decision): Decision {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/** Transient by its code's `retriable` flag in `src/errors.ts`; an unknown code is permanent. */
export function isTransientReason(code: string): boolean {
  return Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code as ErrorCode].retriable;
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

/** Decides one scored signal by its thresholds; `scores` undefined is UNSCORED (see {@link decideUnscored}). */
export function decideSignal(rule: SignalRule, scores: ClassScores | undefined): SignalDecision {
  if (!scores) return { decision: 'UNSCORED', missing: [], rule: 'thresholds' };
  const missing = new Set<string>();
  const block = strongestTrigger(scores, rule.block, missing);
  const review = strongestTrigger(scores, rule.review, missing);
  const base = { missing: [...missing], rule: 'thresholds' };
  if (block) return { decision: 'BLOCK', trigger: block, ...base };
  if (review) return { decision: 'REVIEW', trigger: review, ...base };
  return { decision: 'ALLOW', ...base };
}

/**
 * One pin's decision, shared by the worker's labels and `classify`: {@link decideSignals} turns the
 * signal results of a pin into per-signal decisions, the rule behind each, and the pin's decision.
 */
export class PolicyEngine {
  /** The file's policy, with `defaults` for the signals it has no rule for. */
  readonly policy: Policy;
  readonly version: string;

  /**
   * `defaults`: rules of signals whose plug-in says what they mean unless the file does (e.g.
   * `image.near_duplicate`: inherit REVIEW/BLOCK as REVIEW); the file's own rule always wins.
   */
  constructor(policy: Policy, defaults: Readonly<Record<string, SignalRule>> = {}) {
    this.policy = Object.freeze({ ...policy, signals: { ...defaults, ...policy.signals } });
    this.version = policy.version;
  }

  /** Decides every signal result, in order, and the pin (see the file's comment for the rules). */
  decideSignals(results: readonly ScoredSignal[], options: DecideOptions = {}): PolicyDecision {
    const held = new Set<string>();
    const signals = results.map(({ signal, scores, reasonCode }) => {
      const rule = this.policy.signals[signal];
      let decided: SignalDecision;
      if (!rule) decided = { decision: 'UNSCORED', missing: [], rule: 'no-rule' };
      else if (scores) decided = decideSignal(rule, scores);
      else decided = this.decideUnscored(reasonCode ?? 'IW_INTERNAL', options.rescanAllowed ?? false);
      if (decided.rule === 'rescan' && decided.decision === 'UNSCORED') held.add(signal);
      return { signal, ...decided };
    });
    const counted = this.overall(signals.map((s) => s.decision));
    const decision = held.size > 0 && SEVERITY[counted] < SEVERITY.REVIEW ? 'UNSCORED' : counted;
    return {
      policyVersion: this.version,
      decision,
      signals,
      rescan: signals.some((s) => s.rule === 'rescan'),
    };
  }

  /** The rule for a signal without scores because of `reasonCode`. */
  decideUnscored(reasonCode: string, rescanAllowed: boolean): SignalDecision {
    const rules = this.policy.unscored;
    if (rescanAllowed && isTransientReason(reasonCode)) {
      return { decision: rules.pending === 'REVIEW' ? 'REVIEW' : 'UNSCORED', missing: [], rule: 'rescan' };
    }
    const named = rules.reasons[reasonCode];
    const [applied, rule] =
      named !== undefined
        ? [named, `unscored.${reasonCode}`]
        : reasonCode === 'IW_CONTENT_ABSENT'
          ? (['IGNORE', 'unscored.absent'] as const)
          : [rules.default, 'unscored.default'];
    return { decision: applied === 'IGNORE' ? 'UNSCORED' : applied, missing: [], rule };
  }

  /** One scored signal's decision; a signal the policy has no rule for is UNSCORED. */
  decide(signal: string, scores: ClassScores): Decision {
    const rule = this.policy.signals[signal];
    return rule ? decideSignal(rule, scores).decision : 'UNSCORED';
  }

  /** The most severe decision; UNSCORED only when no signal counted. */
  overall(decisions: readonly Decision[]): Decision {
    return decisions.reduce<Decision>(moreSevere, 'UNSCORED');
  }
}
