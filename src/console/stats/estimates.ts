/**
 * Precision and missed-violation estimates from verdicts, weighted by the inverse of each item's
 * inclusion probability (the Hajek form of inverse-probability weighting: sum(w*v) / sum(w)), the way
 * prevalence is measured from a sample. REVIEW items all reach the queue (probability 1); ALLOW and
 * BLOCK items only through the audit sample.
 */
import type { VerdictSample } from '../store/store-stats.js';

export interface Estimate {
  signal: string;
  model: string;
  decision: string;
  /** Verdicts behind the estimate. */
  n: number;
  /** Weighted share of VIOLATES: precision for REVIEW/BLOCK, missed-violation rate for ALLOW. */
  violatingRate: number;
  /** Normal-approximation standard error with Kish's effective sample size. */
  standardError: number;
}

export function estimateRates(verdicts: readonly VerdictSample[]): Estimate[] {
  const groups = new Map<string, { s: VerdictSample; w: number; wv: number; w2: number; n: number }>();
  for (const v of verdicts) {
    if (v.verdict !== 'VIOLATES' && v.verdict !== 'NOT_VIOLATING') continue;
    if (!(v.inclusionProbability > 0)) continue;
    const key = `${v.signal}\n${v.model}\n${v.decision}`;
    const g = groups.get(key) ?? { s: v, w: 0, wv: 0, w2: 0, n: 0 };
    const w = 1 / v.inclusionProbability;
    g.w += w;
    g.w2 += w * w;
    g.wv += v.verdict === 'VIOLATES' ? w : 0;
    g.n += 1;
    groups.set(key, g);
  }
  return [...groups.values()]
    .map(({ s, w, wv, w2, n }) => {
      const rate = wv / w;
      const effective = (w * w) / w2;
      return {
        signal: s.signal,
        model: s.model,
        decision: s.decision,
        n,
        violatingRate: rate,
        standardError: Math.sqrt((rate * (1 - rate)) / effective),
      };
    })
    .sort((a, b) => `${a.signal}${a.model}${a.decision}`.localeCompare(`${b.signal}${b.model}${b.decision}`));
}

/**
 * Estimated false-negative rate per signal and model: the share of all violating content that was
 * ALLOWed, with the population counts of each decision scaled by the estimated violating rates.
 * Undefined (absent) until both ALLOW and at least one flagged decision have verdicts.
 */
export function falseNegativeRates(
  estimates: readonly Estimate[],
  counts: readonly { signal: string; model: string; decision: string; count: number }[],
): { signal: string; model: string; rate: number }[] {
  const byModel = new Map<
    string,
    { signal: string; model: string; missed: number; caught: number; allow: boolean; flagged: boolean }
  >();
  for (const e of estimates) {
    const population =
      counts.find((c) => c.signal === e.signal && c.model === e.model && c.decision === e.decision)?.count ??
      0;
    const key = `${e.signal}\n${e.model}`;
    const m = byModel.get(key) ?? {
      signal: e.signal,
      model: e.model,
      missed: 0,
      caught: 0,
      allow: false,
      flagged: false,
    };
    if (e.decision === 'ALLOW') {
      m.missed += population * e.violatingRate;
      m.allow = true;
    } else if (e.decision === 'REVIEW' || e.decision === 'BLOCK') {
      m.caught += population * e.violatingRate;
      m.flagged = true;
    }
    byModel.set(key, m);
  }
  return [...byModel.values()]
    .filter((m) => m.allow && m.flagged && m.missed + m.caught > 0)
    .map((m) => ({ signal: m.signal, model: m.model, rate: m.missed / (m.missed + m.caught) }));
}
