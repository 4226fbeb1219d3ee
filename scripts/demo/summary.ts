import type { DeadLetter } from '../../src/contracts/generated/dead-letter.js';
import type { IntegrityLabel } from '../../src/contracts/generated/integrity-label.js';

/** Counts what the demo reads back and prints a live line and a final report. */
export class DemoSummary {
  private readonly decisions = new Map<string, number>();
  private readonly reasons = new Map<string, number>();
  private readonly deadLetterCodes = new Map<string, number>();
  private readonly latenciesMs: number[] = [];
  private readonly examples: IntegrityLabel[] = [];
  private cached = 0;
  private signals = 0;
  labels = 0;
  deadLetters = 0;

  get total(): number {
    return this.labels + this.deadLetters;
  }

  private readonly createdAt = new Map<string, number>();

  /** Remembers when a pin was created, for its latency once the label arrives. */
  published(pinId: string, createdAt: number): void {
    this.createdAt.set(pinId, createdAt);
  }

  label(label: IntegrityLabel): void {
    this.labels++;
    const created = this.createdAt.get(label.pinId);
    if (created !== undefined) this.latenciesMs.push(label.labeledAt - created);
    for (const signal of label.signals) {
      this.signals++;
      if (signal.cached) this.cached++;
      bump(this.decisions, `${signal.signal}:${signal.decision}`);
      if (signal.reasonCode) bump(this.reasons, `${signal.signal}:${signal.reasonCode}`);
    }
    bump(this.decisions, `overall:${label.decision}`);
    if (this.examples.length < 3 || (label.decision !== 'ALLOW' && this.examples.length < 5))
      this.examples.push(label);
  }

  deadLetter(deadLetter: DeadLetter): void {
    this.deadLetters++;
    bump(this.deadLetterCodes, deadLetter.errorCode);
  }

  printLine(expected: number): void {
    const p = percentiles(this.latenciesMs);
    console.log(
      `[demo] ${this.total}/${expected} answered | labels ${this.labels} dead letters ${this.deadLetters} | ` +
        `cache hits ${pct(this.cached, this.signals)} | latency p50 ${p.p50} p95 ${p.p95} p99 ${p.p99} ms`,
    );
  }

  printFinal(expected: number, seconds: number): void {
    const p = percentiles(this.latenciesMs);
    console.log('\n=== demo summary ===');
    console.log(
      `records published ${expected}, labels ${this.labels}, dead letters ${this.deadLetters}, in ${seconds.toFixed(1)} s`,
    );
    console.log(`throughput ${(this.total / seconds).toFixed(1)} records/s (paced by --rate)`);
    console.log(`latency createdAt -> labeledAt: p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms`);
    console.log(`cache hits: ${this.cached} of ${this.signals} signals (${pct(this.cached, this.signals)})`);
    console.log('decisions:', Object.fromEntries([...this.decisions].sort()));
    console.log('unscored reasons:', Object.fromEntries([...this.reasons].sort()));
    console.log('dead letters by code:', Object.fromEntries([...this.deadLetterCodes].sort()));
    console.log('\nsome labels:');
    for (const label of this.examples) console.log(JSON.stringify(label, null, 1).replace(/\n\s*/g, ' '));
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

function percentiles(values: number[]): { p50: string; p95: string; p99: string } {
  if (values.length === 0) return { p50: '-', p95: '-', p99: '-' };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    String(Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
