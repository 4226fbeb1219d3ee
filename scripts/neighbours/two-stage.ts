/**
 * Two-stage near-duplicate rules, as production systems run them: a cheap candidate stage (the K
 * nearest indexed photos by one method within a loose threshold) and a verification stage (an
 * independent method's distance to that same candidate). Both thresholds are chosen on the fixture
 * photos alone: the candidate threshold keeps every fixture copy (the largest distance of a fixture
 * copy to its original), the verification threshold sits just under the closest wrong candidate
 * among the fixture copies and fixture pairs. Held-out recall and false matches are then counted on
 * the extra photos, whose copies search the whole index.
 */

/** Every distance one method measured: edited copy -> indexed photo, and photo -> photo. */
export interface MethodDistances {
  method: string;
  unit: string;
  msPerImage: number;
  queryToPhoto: number[][];
  photoToPhoto: number[][];
}
interface Query {
  photo: number;
  transform: string;
}
type PhotoSet = 'fixture' | 'extra';
interface Stat {
  queries: number;
  recall: number;
  falseMatchQueries: number;
  distinctPairs: number;
  falseMatchPairs: number;
}
export interface TwoStageRule {
  rule: string;
  /** How the candidate threshold was chosen on the fixture photos. */
  choice: 'loose' | 'joint';
  candidate: string;
  verifier: string;
  candidateThreshold: number;
  verifyThreshold: number;
  msPerQuery: number;
  fixture: Stat;
  heldOut: Stat;
  all: Stat;
  perTransform: Record<string, number>;
}

/** Candidates per query: the K nearest indexed photos by the candidate method. */
export const CANDIDATES_K = 5;

const below = (unit: string, x: number) => (unit === 'Hamming distance' ? x - 1 : x * 0.999);

/** Every ordered pair (candidate method, verifier method) of distinct methods. */
function ruleAt(
  c: MethodDistances,
  v: MethodDistances,
  tC: number,
  nearest: readonly { j: number; d: number }[][],
  queries: readonly Query[],
  sets: readonly PhotoSet[],
): TwoStageRule {
  const photos = sets.length;
  const candidates = nearest.map((n) => n.filter((x) => x.d <= tC));
  const isFixturePair = (a: number, b: number) => sets[a] === 'fixture' && sets[b] === 'fixture';
  const wrongFixture: number[] = [];
  for (const [k, q] of queries.entries())
    if (sets[q.photo] === 'fixture')
      for (const { j } of candidates[k]!) if (j !== q.photo) wrongFixture.push(v.queryToPhoto[k]![j]!);
  for (let a = 0; a < photos; a++)
    for (let b = a + 1; b < photos; b++)
      if (isFixturePair(a, b) && c.photoToPhoto[a]![b]! <= tC) wrongFixture.push(v.photoToPhoto[a]![b]!);
  // With no wrong fixture candidate to stay under, the verifier keeps every fixture copy.
  const tV =
    wrongFixture.length > 0
      ? below(v.unit, Math.min(...wrongFixture))
      : Math.max(
          ...queries.map((q, k) => (sets[q.photo] === 'fixture' ? v.queryToPhoto[k]![q.photo]! : -Infinity)),
        );
  const matched = (k: number) => candidates[k]!.filter(({ j }) => v.queryToPhoto[k]![j]! <= tV);
  const hit = (k: number) => matched(k)[0]?.j === queries[k]!.photo;
  const falseMatch = (k: number) => matched(k).some(({ j }) => j !== queries[k]!.photo);
  const stat = (set: PhotoSet | 'all') => {
    const ks = queries.flatMap((q, k) => (set === 'all' || sets[q.photo] === set ? [k] : []));
    let pairs = 0;
    let falsePairs = 0;
    for (let a = 0; a < photos; a++)
      for (let b = a + 1; b < photos; b++) {
        if (set === 'extra' && isFixturePair(a, b)) continue;
        if (set === 'fixture' && !isFixturePair(a, b)) continue;
        pairs++;
        if (c.photoToPhoto[a]![b]! <= tC && v.photoToPhoto[a]![b]! <= tV) falsePairs++;
      }
    return {
      queries: ks.length,
      recall: ks.filter(hit).length / ks.length,
      falseMatchQueries: ks.filter(falseMatch).length,
      distinctPairs: pairs,
      falseMatchPairs: falsePairs,
    };
  };
  const transforms = [...new Set(queries.map((q) => q.transform))];
  return {
    rule: `${c.method} top-${CANDIDATES_K} <= ${fmt(c.unit, tC)}, verified by ${v.method} <= ${fmt(v.unit, tV)}`,
    choice: 'loose',
    candidate: c.method,
    verifier: v.method,
    candidateThreshold: tC,
    verifyThreshold: tV,
    msPerQuery: c.msPerImage + v.msPerImage,
    fixture: stat('fixture'),
    heldOut: stat('extra'),
    all: stat('all'),
    perTransform: Object.fromEntries(
      transforms.map((t) => {
        const ks = queries.flatMap((q, k) => (q.transform === t ? [k] : []));
        return [t, ks.filter(hit).length / ks.length];
      }),
    ),
  };
}

export function twoStageRules(
  methods: readonly MethodDistances[],
  queries: readonly Query[],
  sets: readonly PhotoSet[],
): TwoStageRule[] {
  const rules: TwoStageRule[] = [];
  for (const c of methods)
    for (const v of methods) {
      if (c === v) continue;
      const fixtureOwn = queries
        .map((q, k) => ({ q, d: c.queryToPhoto[k]![q.photo]! }))
        .filter(({ q }) => sets[q.photo] === 'fixture')
        .map(({ d }) => d);
      const nearest = queries.map((_, k) =>
        c.queryToPhoto[k]!.map((d, j) => ({ j, d }))
          .sort((x, y) => x.d - y.d)
          .slice(0, CANDIDATES_K),
      );
      const rule = (tC: number) => ruleAt(c, v, tC, nearest, queries, sets);
      // Loose: the candidate threshold keeps every fixture copy.
      rules.push({ ...rule(Math.max(...fixtureOwn)), choice: 'loose' });
      // Joint: the candidate threshold (one of the fixture copies' own distances) with the best fixture
      // recall once the verifier is set under the closest wrong candidate; the smallest on a tie.
      let best: TwoStageRule | undefined;
      for (const tC of [...new Set(fixtureOwn)].sort((x, y) => x - y)) {
        const r = rule(tC);
        if (best === undefined || r.fixture.recall > best.fixture.recall) best = r;
      }
      rules.push({ ...best!, choice: 'joint' });
    }
  return rules;
}

function fmt(unit: string, t: number): string {
  return unit === 'Hamming distance' ? String(t) : t.toFixed(4);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The report's section: every rule, fewest held-out false matches then highest recall first. */
export function twoStageMarkdown(rules: readonly TwoStageRule[], transforms: readonly string[]): string[] {
  const ranked = [...rules].sort(
    (x, y) =>
      x.heldOut.falseMatchQueries +
        x.heldOut.falseMatchPairs -
        (y.heldOut.falseMatchQueries + y.heldOut.falseMatchPairs) || y.heldOut.recall - x.heldOut.recall,
  );
  const best = ranked.slice(0, 3);
  return [
    '## Two stages: candidates, then verification',
    '',
    `A candidate is one of the ${CANDIDATES_K} nearest indexed photos by the first method within its threshold: loose (the largest distance of a fixture copy to its original) or joint (the fixture copy distance that gives the best fixture recall together with the verifier, the smallest on a tie); ` +
      'it is a match when the verifier is within its threshold of that same photo (just under the closest wrong candidate among the fixture copies and fixture pairs). ' +
      'The answer is the matched candidate nearest by the first method. A false-match copy has any other photo matched; a false pair is two distinct photos within both thresholds. ' +
      "Cost per query adds the two methods' measured ms per image of the evaluation (each decodes on its own: an upper bound). Best first.",
    '',
    '| rule | candidate threshold | fixture recall | held-out recall | held-out false matches (copies / distinct pairs) | all: recall | all: false matches (copies / pairs) | ms per query |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...ranked.map(
      (r) =>
        `| ${r.rule} | ${r.choice} | ${pct(r.fixture.recall)} | ${pct(r.heldOut.recall)} | ${r.heldOut.falseMatchQueries} / ${r.heldOut.falseMatchPairs} of ${r.heldOut.queries} / ${r.heldOut.distinctPairs} | ${pct(r.all.recall)} | ${r.all.falseMatchQueries} / ${r.all.falseMatchPairs} | ${r.msPerQuery.toFixed(1)} |`,
    ),
    '',
    'Recall per edit of the three best rules:',
    '',
    `| edit | ${best.map((r) => `${r.candidate} → ${r.verifier}`).join(' | ')} |`,
    `| --- | ${best.map(() => '---').join(' | ')} |`,
    ...transforms.map((t) => `| ${t} | ${best.map((r) => pct(r.perTransform[t]!)).join(' | ')} |`),
    '',
  ];
}
