import type { Config } from '../../config/load-config.js';
import { readPolicy } from '../../policy/policy.js';
import { decideSignal } from '../../policy/policy-engine.js';
import { AccountStore } from './account-store.js';
import { LabelStore, type RuleExplainer } from './label-store.js';
import { PostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { SqliteDriver } from './sqlite-driver.js';
import { StoreStats } from './store-stats.js';

export interface ConsoleStores {
  readonly labels: LabelStore;
  readonly accounts: AccountStore;
  readonly stats: StoreStats;
  close(): Promise<void>;
}

/** `sqlite:<file>` or a `postgres://` URL -> its driver. */
export function driverFromUrl(url: string, options: { schema?: string } = {}): SqlDriver {
  return url.startsWith('sqlite:')
    ? new SqliteDriver(url.slice('sqlite:'.length))
    : new PostgresDriver(url, options);
}

/** Explains decisions with the policy the worker is configured with (other versions: no rule shown). */
export async function explainerFromConfig(config: Config): Promise<RuleExplainer> {
  const policy = await readPolicy(config.POLICY_FILE);
  return (signal, policyVersion, scores) => {
    const rule = policy.signals[signal];
    if (!rule || policyVersion !== policy.version) return undefined;
    const { decision, trigger } = decideSignal(rule, scores);
    const classes = new Set([...Object.keys(rule.review), ...Object.keys(rule.block)]);
    const riskScore = Math.max(0, ...[...classes].map((c) => scores[c] ?? 0));
    return trigger
      ? { reason: trigger.class, rule: `${trigger.class} >= ${trigger.threshold} -> ${decision}`, riskScore }
      : { riskScore };
  };
}

export async function storesFromConfig(
  config: Config,
  driver = driverFromUrl(config.CONSOLE_STORE_URL),
): Promise<ConsoleStores> {
  const labels = new LabelStore(
    driver,
    { allow: config.CONSOLE_AUDIT_RATE_ALLOW, block: config.CONSOLE_AUDIT_RATE_BLOCK },
    await explainerFromConfig(config),
  );
  await labels.migrate();
  return {
    labels,
    accounts: new AccountStore(driver),
    stats: new StoreStats(driver),
    close: () => driver.close(),
  };
}
