import type { OutputMessage, PublishResult } from '../produce/output-message.js';

interface Queued {
  readonly outputs: readonly OutputMessage[];
  readonly resolve: (result: PublishResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Publishes one chunk's records as each is handled instead of all at once after the slowest (at
 * least once only: the chunk's offset is still committed after every send is acknowledged). Sends
 * one request at a time; the records handled while one is in flight go together in the next, so a
 * chunk whose records finish together (warm pins, cache hits) costs about as few requests as one
 * send of the whole chunk. A record waits for the earlier records of the chunk with the same key, so
 * the outputs of one key keep the order of their inputs.
 */
export class EarlyPublisher {
  private readonly queue: Queued[] = [];
  private sending = false;
  private readonly lastOfKey = new Map<string, Promise<unknown>>();

  constructor(private readonly send: (outputs: readonly OutputMessage[]) => Promise<PublishResult>) {}

  /**
   * Publishes `outputs` once `handled` resolves and the earlier records with the same input `key`
   * are published. Rejects with the handler's or the send's error.
   */
  publish(key: string | null, handled: Promise<readonly OutputMessage[]>): Promise<PublishResult> {
    const before = key === null ? undefined : this.lastOfKey.get(key);
    const ready = before ? before.then(() => handled) : handled;
    const published = ready.then((outputs) => this.enqueue(outputs));
    // A failed predecessor fails the chunk anyway; its successor still waits only for it to settle.
    if (key !== null)
      this.lastOfKey.set(
        key,
        published.catch(() => undefined),
      );
    return published;
  }

  private enqueue(outputs: readonly OutputMessage[]): Promise<PublishResult> {
    if (outputs.length === 0) return Promise.resolve({ rejected: [] });
    return new Promise((resolve, reject) => {
      this.queue.push({ outputs, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0);
        try {
          const { rejected } = await this.send(group.flatMap((q) => q.outputs));
          for (const q of group) {
            const own = new Set(q.outputs);
            q.resolve({ rejected: rejected.filter((r) => own.has(r.message)) });
          }
        } catch (error) {
          for (const q of group) q.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
