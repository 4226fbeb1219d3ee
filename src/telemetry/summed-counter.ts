import type { Attributes, Counter } from '@opentelemetry/api';

interface Entry {
  readonly attributes: Attributes;
  pending: number;
}

/**
 * Adds to an OpenTelemetry counter summed per attribute set, handed to the SDK once per microtask
 * checkpoint instead of once per call. The SDK hashes the attribute object of every `add`
 * (`JSON.stringify` of its sorted entries), which was ~4 % of a warm pin's main thread with ~10 adds
 * per pin; a chunk's pins finish within a few checkpoints, so this is one `add` per attribute set and
 * checkpoint. Exact: the sums are the same, and a collection (a scrape, an export, `collect()`) runs
 * in a later task or after an `await`, when every pending sum has been added.
 *
 * Attribute sets are built once per pair of values and frozen (the SDK keeps the first object it
 * sees for a set): their number is the label cardinality, as in the SDK's own storage.
 */
export class SummedCounters {
  private readonly dirty: { counter: Counter; entry: Entry }[] = [];
  private scheduled = false;

  constructor(private readonly schedule: (flush: () => void) => void = queueMicrotask) {}

  /** A counter without attributes. */
  plain(counter: Counter): () => void {
    const entry: Entry = { attributes: Object.freeze({}), pending: 0 };
    return () => this.bump(counter, entry);
  }

  /** A counter with two attributes, `first` and `second`, added to by their values. */
  pair(counter: Counter, first: string, second: string): (firstValue: string, secondValue: string) => void {
    const sets = new Map<string, Map<string, Entry>>();
    return (firstValue, secondValue) => {
      let inner = sets.get(firstValue);
      if (inner === undefined) sets.set(firstValue, (inner = new Map()));
      let entry = inner.get(secondValue);
      if (entry === undefined) {
        entry = { attributes: Object.freeze({ [first]: firstValue, [second]: secondValue }), pending: 0 };
        inner.set(secondValue, entry);
      }
      this.bump(counter, entry);
    };
  }

  /** Hands every pending sum to its counter now. */
  flush(): void {
    this.scheduled = false;
    for (const { counter, entry } of this.dirty) {
      counter.add(entry.pending, entry.attributes);
      entry.pending = 0;
    }
    this.dirty.length = 0;
  }

  private bump(counter: Counter, entry: Entry): void {
    if (entry.pending === 0) this.dirty.push({ counter, entry });
    entry.pending += 1;
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
  }
}
