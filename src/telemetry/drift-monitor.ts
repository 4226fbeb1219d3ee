/**
 * Drift: the live distribution of each model's scores, per class, over a sliding window of the last
 * `windowSize` scores, compared with the reference distribution in the model's manifest by the
 * population stability index, PSI = sum over bins of (live - ref) * ln(live / ref) (shares clamped
 * below at 1e-4, so an empty bin counts as nearly empty instead of infinite). Rule of thumb: < 0.1
 * stable, 0.1-0.25 moving, > 0.25 shifted. Also the share of UNSCORED signals per signal and reason
 * over the last `windowSize` signals.
 */
export interface DriftReference {
  readonly bins: readonly number[];
  readonly classes: Readonly<Record<string, readonly number[]>>;
}

const FLOOR = 1e-4;

export function psi(reference: readonly number[], live: readonly number[]): number {
  const refTotal = reference.reduce((a, b) => a + b, 0);
  const liveTotal = live.reduce((a, b) => a + b, 0);
  if (refTotal === 0 || liveTotal === 0) return 0;
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = Math.max(FLOOR, reference[i]! / refTotal);
    const l = Math.max(FLOOR, (live[i] ?? 0) / liveTotal);
    sum += (l - r) * Math.log(l / r);
  }
  return sum;
}

/** Index of the bin holding `score` (the last bin is closed on the right). */
export function binOf(bins: readonly number[], score: number): number {
  const n = bins.length - 1;
  for (let i = 0; i < n; i++) if (score < bins[i + 1]!) return i;
  return n - 1;
}

class Window {
  private readonly ring: number[] = [];
  private next = 0;
  readonly counts: number[];

  constructor(
    private readonly size: number,
    bins: number,
  ) {
    this.counts = new Array<number>(bins).fill(0);
  }

  add(bin: number): void {
    if (this.ring.length < this.size) this.ring.push(bin);
    else {
      this.counts[this.ring[this.next]!]!--;
      this.ring[this.next] = bin;
      this.next = (this.next + 1) % this.size;
    }
    this.counts[bin]!++;
  }

  get length(): number {
    return this.ring.length;
  }
}

export class DriftMonitor {
  private readonly references = new Map<string, DriftReference>();
  private readonly windows = new Map<string, Window>();
  private readonly outcomes: string[] = [];
  private outcomeNext = 0;
  private readonly unscoredCounts = new Map<string, number>();

  constructor(private readonly windowSize: number) {}

  /** Registers (or replaces) the reference of a model id (`name@version`). */
  reference(model: string, reference: DriftReference): void {
    this.references.set(model, reference);
  }

  observeScores(model: string, scores: Readonly<Record<string, number>>): void {
    const reference = this.references.get(model);
    if (!reference) return;
    for (const [name, score] of Object.entries(scores)) {
      if (!(name in reference.classes) || !Number.isFinite(score)) continue;
      const key = `${model}\u0000${name}`;
      let window = this.windows.get(key);
      if (!window) this.windows.set(key, (window = new Window(this.windowSize, reference.bins.length - 1)));
      window.add(binOf(reference.bins, score));
    }
  }

  /** One signal's outcome: `reason` null when scored, else its UNSCORED code. */
  observeSignal(signal: string, reason: string | null): void {
    const key = reason === null ? '' : `${signal}\u0000${reason}`;
    if (this.outcomes.length < this.windowSize) this.outcomes.push(key);
    else {
      const old = this.outcomes[this.outcomeNext]!;
      if (old !== '') this.unscoredCounts.set(old, this.unscoredCounts.get(old)! - 1);
      this.outcomes[this.outcomeNext] = key;
      this.outcomeNext = (this.outcomeNext + 1) % this.windowSize;
    }
    if (key !== '') this.unscoredCounts.set(key, (this.unscoredCounts.get(key) ?? 0) + 1);
  }

  /** PSI per model and class with at least `minSamples` live scores in the window. */
  psi(minSamples = 1): { model: string; class: string; psi: number; samples: number }[] {
    const out: { model: string; class: string; psi: number; samples: number }[] = [];
    for (const [key, window] of this.windows) {
      if (window.length < minSamples) continue;
      const [model, name] = key.split('\u0000') as [string, string];
      const reference = this.references.get(model)!;
      out.push({
        model,
        class: name,
        psi: psi(reference.classes[name]!, window.counts),
        samples: window.length,
      });
    }
    return out;
  }

  /** Share of UNSCORED signals per signal and reason over the window of signal outcomes. */
  unscoredRates(): { signal: string; reason: string; rate: number }[] {
    const total = this.outcomes.length;
    if (total === 0) return [];
    return [...this.unscoredCounts]
      .filter(([, n]) => n > 0)
      .map(([key, n]) => {
        const [signal, reason] = key.split('\u0000') as [string, string];
        return { signal, reason, rate: n / total };
      });
  }
}
