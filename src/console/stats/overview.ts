/** Everything the overview page and the metrics show, computed from the store in one call. */
import type { StoreStats } from '../store/store-stats.js';
import { estimateRates, falseNegativeRates } from './estimates.js';

export async function buildOverview(stats: StoreStats, now = Date.now(), windowMs = 24 * 3600_000) {
  const bucketMs = windowMs <= 6 * 3600_000 ? 60_000 : 15 * 60_000;
  const [decisions, counts, unscored, domains, verdicts, shadow, open] = await Promise.all([
    stats.decisionsOverTime(bucketMs, now - windowMs),
    stats.decisionCounts(),
    stats.unscoredReasons(),
    stats.topFlaggedDomains(),
    stats.verdicts(),
    stats.shadowAgreement(),
    stats.openItems(),
  ]);
  const estimates = estimateRates(verdicts);
  return {
    generatedAt: now,
    bucketMs,
    decisions,
    counts,
    unscored,
    domains,
    estimates,
    falseNegativeRates: falseNegativeRates(estimates, counts),
    shadow: shadow.map((s) => ({ ...s, agreement: s.pins > 0 ? s.agree / s.pins : null })),
    open,
  };
}

export type Overview = Awaited<ReturnType<typeof buildOverview>>;
