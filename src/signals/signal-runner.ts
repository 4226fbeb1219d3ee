import { cacheKey } from '../cache/cache-key.js';
import type { CacheEntry, SignalCache } from '../cache/signal-cache.js';
import type { Content, Contents } from '../content/content.js';
import { IntegrityError, toIntegrityError } from '../errors.js';
import { modelId, type SignalValue } from '../scores.js';
import type { StageRunner } from '../stage-runner.js';
import type { ScoreMemo } from './score-memo.js';
import {
  FRAME_TIMESTAMP_SCORE,
  unscored,
  type AnySignal,
  type DeriveContext,
  type DerivedSignal,
  type Signal,
  type SignalResult,
} from './signal.js';

interface Plan {
  readonly signal: Signal;
  readonly content: Content | undefined;
  /** Cache key of the content's upfront key, when it has one. */
  readonly upfront: string | undefined;
}

type Computed = { result: SignalResult; writes: CacheEntry[] };

/** A list of signals split for running (see `SignalRunner.#planOf`). */
interface SignalPlan {
  readonly computed: readonly Signal[];
  readonly derived: readonly DerivedSignal[];
  /** Per derived signal, the index of its source in `computed`, or -1. */
  readonly sources: readonly number[];
  /** Per signal of the list, its result: `i` is `computed[i]`'s, `-k - 1` is `derived[k]`'s. */
  readonly order: readonly number[];
}

/**
 * Runs every declared signal of one pin the same way: memo -> cache -> compute (batched) -> cache
 * write. First one lookup (in-process memo, then one cache `getMany`) for every key known before any
 * download; then all signals in parallel, each loading its content (once per pin, whatever number of
 * signals read it), looking up the content's own key when it differs from the upfront one, and
 * computing in the `preprocess` and `infer` stages; at the end one cache write. Equal content computes
 * once (single flight, per signal and model version). Results come in declaration order; a signal
 * whose content is absent is UNSCORED with IW_CONTENT_ABSENT, one whose content or model failed is
 * UNSCORED with the failure's code: a signal never dead-letters a pin. Derived signals (a
 * near-duplicate search over an embedding) run last, on their source's vector, uncached, with the
 * source's content at hand ({@link DeriveContext}).
 */
export class SignalRunner {
  readonly #plans = new WeakMap<readonly AnySignal[], SignalPlan>();

  constructor(
    readonly signals: readonly AnySignal[],
    private readonly cache: SignalCache,
    private readonly memo: ScoreMemo<SignalValue>,
    private readonly cacheNamespace: string,
  ) {
    const { computed, derived, sources } = this.#planOf(signals);
    derived.forEach((d, k) => {
      // Every role of a signal may be declared: the source is the one of the same name and model.
      const source = computed[sources[k]!];
      if (source?.embeddingOutput === undefined) {
        throw new IntegrityError(
          'IW_CONFIG_INVALID',
          `SIGNALS: ${d.name} reads ${d.derivedFrom}=${modelId(d.model)}, which is not declared`,
        );
      }
    });
  }

  /**
   * Runs `signals` (by default the runner's own list: a rollout passes a deciding or the shadow set),
   * the computed ones first, then the derived ones on the vector of their source in the same list.
   */
  async run(
    contents: Contents,
    stages: StageRunner,
    signals: readonly AnySignal[] = this.signals,
  ): Promise<SignalResult[]> {
    const plan = this.#planOf(signals);
    const computed = await this.#runComputed(plan.computed, contents, stages);
    if (plan.derived.length === 0) return computed;
    const derived = await Promise.all(
      plan.derived.map((d, k) => {
        const i = plan.sources[k]!;
        if (i < 0) return unscored(d, 'IW_CONFIG_INVALID', null);
        const content = contents[plan.computed[i]!.content] as Content | undefined;
        return this.#derive(d, computed[i]!, content, stages);
      }),
    );
    // Results in declaration order (a name can repeat across roles: the plan matched the signal itself).
    return plan.order.map((at) => (at >= 0 ? computed[at]! : derived[-at - 1]!));
  }

  /**
   * How a list of signals runs: its computed and derived signals, each derived signal's source (the
   * computed one of the same name and model in this list: a canary's derived signal reads the
   * canary), and where each result comes from. Worked out once per list (the rollout's primaries,
   * canary and shadow sets are fixed for the served set's life), not for every pin.
   */
  #planOf(signals: readonly AnySignal[]): SignalPlan {
    let plan = this.#plans.get(signals);
    if (plan === undefined) {
      const computed = signals.filter((s): s is Signal => s.derivedFrom === undefined);
      const derived = signals.filter((s): s is DerivedSignal => s.derivedFrom !== undefined);
      const sources = derived.map((d) =>
        computed.findIndex((s) => s.name === d.derivedFrom && modelId(s.model) === modelId(d.model)),
      );
      const order = signals.map((s) => {
        const i = computed.indexOf(s as Signal);
        return i >= 0 ? i : -derived.indexOf(s as DerivedSignal) - 1;
      });
      plan = { computed, derived, sources, order };
      this.#plans.set(signals, plan);
    }
    return plan;
  }

  async #derive(
    signal: DerivedSignal,
    source: SignalResult,
    content: Content | undefined,
    stages: StageRunner,
  ): Promise<SignalResult> {
    if (source.scores === null || !source.vector)
      return unscored(signal, source.reasonCode ?? 'IW_INTERNAL', source.contentKey);
    const context: DeriveContext = {
      // The load of this pin (memoised by the content: no second download when the source loaded it).
      verificationImage: async () => {
        if (!content) throw new IntegrityError('IW_CONTENT_ABSENT', `${signal.name}: no content to verify`);
        const { value } = await content.load(stages);
        // The computed signals released the content already; a load made here (a pin scored from the
        // cache by its signature) gives its budget back at once too (release is idempotent).
        content.release?.();
        if (!(value instanceof Uint8Array))
          throw new IntegrityError('IW_INTERNAL', `${signal.name}: its content is not bytes`);
        return value;
      },
    };
    try {
      const { scores, match, frameTimestampMs } = await signal.derive(source.vector, source.frames, context);
      return {
        signal: signal.name,
        model: signal.model,
        role: signal.role,
        contentKey: source.contentKey,
        scores,
        cached: false,
        reasonCode: null,
        ...(frameTimestampMs !== undefined && { frameTimestampMs }),
        match,
      };
    } catch (error) {
      const cause = toIntegrityError(error);
      return unscored(signal, cause.code, source.contentKey, cause);
    }
  }

  async #runComputed(
    signals: readonly Signal[],
    contents: Contents,
    stages: StageRunner,
  ): Promise<SignalResult[]> {
    const plans: Plan[] = signals.map((signal) => {
      const content = contents[signal.content] as Content | undefined;
      const key = content?.upfrontKey;
      return { signal, content, upfront: key ? this.key(signal, key) : undefined };
    });
    try {
      const known = await this.lookUpFront(plans, stages);
      const computed = await Promise.all(plans.map((plan) => this.compute(plan, known, stages)));
      const writes = computed.flatMap((c) => c.writes);
      if (writes.length > 0) await stages.run('cache-write', () => this.cache.setMany(writes));
      return computed.map((c) => c.result);
    } finally {
      // Every computed signal of the pin is done with its content: give back what loading it holds
      // (the body budget). A derived signal that reads the bytes again to verify a match reads the
      // pin's memoised load (as the shadow does), outside the budget: holding the budget through a
      // queued ORB verification would starve other pins' fetches.
      for (const content of Object.values(contents) as Content[]) content.release?.();
    }
  }

  /** Scores for the upfront keys: from memory where remembered, the rest in one cache lookup. */
  private async lookUpFront(plans: readonly Plan[], stages: StageRunner): Promise<Map<string, SignalValue>> {
    const known = new Map<string, SignalValue>();
    const keys: string[] = [];
    for (const { upfront } of plans) {
      if (upfront === undefined) continue;
      const remembered = this.memo.peek(upfront);
      if (remembered !== undefined) known.set(upfront, remembered);
      else keys.push(upfront);
    }
    if (keys.length === 0) return known;
    const hits = await stages.run('cache-lookup', () => this.cache.getMany(keys));
    keys.forEach((key, i) => {
      const hit = hits[i];
      if (hit !== undefined) known.set(key, hit);
    });
    return known;
  }

  private async compute(plan: Plan, known: Map<string, SignalValue>, stages: StageRunner): Promise<Computed> {
    const { signal, content, upfront } = plan;
    if (content === undefined) return { result: unscored(signal, 'IW_CONTENT_ABSENT'), writes: [] };
    const hit = upfront === undefined ? undefined : known.get(upfront);
    if (hit !== undefined) {
      this.memo.remember(upfront!, hit);
      return { result: scored(signal, content.upfrontKey!, hit, true), writes: [] };
    }
    try {
      const loaded = await content.load(stages);
      const key = this.key(signal, loaded.key);
      // The upfront key is the value's own: it was looked up already, and missed.
      const lookup = !content.upfrontIsOwnKey;
      const { value, cached, computed } = await this.scoresOf(signal, key, loaded.value, lookup, stages);
      const writes: CacheEntry[] = computed ? [{ key, value }] : [];
      if (upfront === undefined || content.upfrontIsOwnKey)
        return { result: scored(signal, loaded.key, value, cached), writes };
      if (!loaded.aliasHolds) return { result: scored(signal, loaded.key, value, cached), writes };
      // A trusted alias (upstream signature): remembered and written with the scores of its bytes, by
      // the pin that downloaded them.
      this.memo.remember(upfront, value);
      if (!loaded.shared) writes.push({ key: upfront, value });
      return { result: scored(signal, content.upfrontKey!, value, cached || loaded.shared), writes };
    } catch (error) {
      const cause = toIntegrityError(error);
      return {
        result: unscored(signal, cause.code, content.upfrontKey ?? content.loadedKey(), cause),
        writes: [],
      };
    }
  }

  /**
   * Scores of `value` under `key`, single flight: from memory, from the cache (`lookup`), or computed.
   * `computed` is true only for the caller whose own computation produced them.
   */
  private async scoresOf(
    signal: Signal,
    key: string,
    value: unknown,
    lookup: boolean,
    stages: StageRunner,
  ): Promise<{ value: SignalValue; cached: boolean; computed: boolean }> {
    let fromCache = false;
    const { scores: result, shared } = await this.memo.run(key, async (): Promise<SignalValue> => {
      if (lookup) {
        const [hit] = await stages.run('cache-lookup', () => this.cache.getMany([key]));
        if (hit !== undefined) {
          fromCache = true;
          return hit;
        }
      }
      const work = async () => {
        const prepared = await stages.run('preprocess', () => signal.prepare(value));
        return stages.run('infer', () => signal.infer(prepared));
      };
      return signal.gate ? signal.gate.run(value, work) : work();
    });
    return { value: result, cached: shared || fromCache, computed: !shared && !fromCache };
  }

  private key(signal: Signal, contentKey: string): string {
    return cacheKey(this.cacheNamespace, signal.name, contentKey, modelId(signal.model));
  }
}

function scored(signal: Signal, contentKey: string, value: SignalValue, cached: boolean): SignalResult {
  // A video signal's frame timestamp travels (and is cached) with its scores; it is not a class.
  const { [FRAME_TIMESTAMP_SCORE]: frameTimestampMs, ...rest } = value.scores;
  const scores = frameTimestampMs === undefined ? value.scores : rest;
  return {
    signal: signal.name,
    model: signal.model,
    role: signal.role,
    contentKey,
    ...(signal.embeddingOutput !== undefined && { embeddingOutput: signal.embeddingOutput }),
    scores,
    cached,
    reasonCode: null,
    ...(frameTimestampMs !== undefined && { frameTimestampMs }),
    ...(value.vector && { vector: value.vector }),
    ...(value.frames && { frames: value.frames }),
  };
}
