/** The figures of a candidate model's agreement with its baseline on the same tensors (pure). */

/** One image scored by one model: class probabilities in output order and the raw embedding. */
export interface Scored {
  readonly name: string;
  readonly set: 'fixtures' | 'variants';
  readonly p: readonly number[];
  readonly embedding: Float32Array;
}

export interface SetAgreement {
  readonly set: 'fixtures' | 'variants' | 'all';
  readonly n: number;
  readonly topClassAgreement: number;
  /** Per class, over the set's images: max and 99th percentile of |p_candidate - p_baseline|. */
  readonly maxAbsDiff: Record<string, number>;
  readonly p99AbsDiff: Record<string, number>;
  /** Both models' scores under the default image rule (bound to the baseline). */
  readonly decisionAgreementDefault: number;
  /** Baseline under the default rule, candidate under the rule of the policy bound to it. */
  readonly decisionAgreementBound: number;
  /** `baseline -> candidate` decision pairs under the bound policy, with counts. */
  readonly decisionPairs: Record<string, number>;
  readonly embeddingCosine: { readonly min: number; readonly mean: number };
}

export interface Decide {
  baseline(p: readonly number[]): string;
  candidateDefault(p: readonly number[]): string;
  candidateBound(p: readonly number[]): string;
}

/** The q-quantile of `xs` by the nearest-rank method (p99 of 1,000 values is the 990th smallest). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
}

const argmax = (p: readonly number[]) => p.indexOf(Math.max(...p));

function agreement(
  set: SetAgreement['set'],
  pairs: readonly [Scored, Scored][],
  classes: readonly string[],
  decide: Decide,
): SetAgreement {
  const diffs = classes.map((_, c) => pairs.map(([b, q]) => Math.abs(q.p[c]! - b.p[c]!)));
  const cosines = pairs.map(([b, q]) => cosine(b.embedding, q.embedding));
  const decisionPairs: Record<string, number> = {};
  let sameDefault = 0;
  let sameBound = 0;
  let sameTop = 0;
  for (const [b, q] of pairs) {
    const base = decide.baseline(b.p);
    const bound = decide.candidateBound(q.p);
    if (base === decide.candidateDefault(q.p)) sameDefault++;
    if (base === bound) sameBound++;
    if (argmax(b.p) === argmax(q.p)) sameTop++;
    decisionPairs[`${base} -> ${bound}`] = (decisionPairs[`${base} -> ${bound}`] ?? 0) + 1;
  }
  const n = pairs.length;
  return {
    set,
    n,
    topClassAgreement: sameTop / n,
    maxAbsDiff: Object.fromEntries(classes.map((c, i) => [c, Math.max(...diffs[i]!)])),
    p99AbsDiff: Object.fromEntries(classes.map((c, i) => [c, quantile(diffs[i]!, 0.99)])),
    decisionAgreementDefault: sameDefault / n,
    decisionAgreementBound: sameBound / n,
    decisionPairs: Object.fromEntries(Object.entries(decisionPairs).sort()),
    embeddingCosine: { min: Math.min(...cosines), mean: cosines.reduce((s, x) => s + x, 0) / n },
  };
}

/** Agreement on the fixtures, on the variants and on both; `baseline[i]` and `candidate[i]` are one image. */
export function compare(
  baseline: readonly Scored[],
  candidate: readonly Scored[],
  classes: readonly string[],
  decide: Decide,
): SetAgreement[] {
  if (baseline.length !== candidate.length || baseline.some((b, i) => b.name !== candidate[i]!.name))
    throw new Error('baseline and candidate must score the same images in the same order');
  const pairs = baseline.map((b, i) => [b, candidate[i]!] as [Scored, Scored]);
  return [
    agreement('fixtures', pairs.filter(([b]) => b.set === 'fixtures'), classes, decide),
    agreement('variants', pairs.filter(([b]) => b.set === 'variants'), classes, decide),
    agreement('all', pairs, classes, decide),
  ];
}
