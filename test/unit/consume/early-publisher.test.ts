import { describe, expect, it } from 'vitest';
import { EarlyPublisher } from '../../../src/consume/early-publisher.js';
import { IntegrityError } from '../../../src/errors.js';
import type { OutputMessage, PublishResult } from '../../../src/produce/output-message.js';

const out = (name: string): OutputMessage => ({
  topic: 'labels',
  key: name,
  value: Buffer.from(name),
  headers: {},
});
const names = (outputs: readonly OutputMessage[]) => outputs.map((o) => o.value.toString());

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A send that records its requests and completes when the test says so. */
function controlledSend() {
  const requests: { outputs: string[]; done: ReturnType<typeof deferred<PublishResult>> }[] = [];
  const send = (outputs: readonly OutputMessage[]) => {
    const done = deferred<PublishResult>();
    requests.push({ outputs: names(outputs), done });
    return done.promise;
  };
  return { send, requests };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('EarlyPublisher', () => {
  it('sends a record as soon as it is handled, and what is handled meanwhile in one next request', async () => {
    const { send, requests } = controlledSend();
    const publisher = new EarlyPublisher(send);
    const a = publisher.publish('a', Promise.resolve([out('a')]));
    await tick();
    expect(requests.map((r) => r.outputs)).toEqual([['a']]);
    const b = publisher.publish('b', Promise.resolve([out('b')]));
    const c = publisher.publish('c', Promise.resolve([out('c')]));
    await tick();
    expect(requests).toHaveLength(1); // one request at a time
    requests[0]!.done.resolve({ rejected: [] });
    await a;
    await tick();
    expect(requests.map((r) => r.outputs)).toEqual([['a'], ['b', 'c']]);
    requests[1]!.done.resolve({ rejected: [] });
    await expect(Promise.all([b, c])).resolves.toEqual([{ rejected: [] }, { rejected: [] }]);
  });

  it('keeps the input order of one key: a later record handled first waits for the earlier one', async () => {
    const { send, requests } = controlledSend();
    const publisher = new EarlyPublisher(send);
    const first = deferred<readonly OutputMessage[]>();
    const p1 = publisher.publish('pin-1', first.promise);
    const p2 = publisher.publish('pin-1', Promise.resolve([out('second')]));
    const p3 = publisher.publish('pin-2', Promise.resolve([out('other')]));
    await tick();
    expect(requests.map((r) => r.outputs)).toEqual([['other']]);
    first.resolve([out('first')]);
    requests[0]!.done.resolve({ rejected: [] });
    await tick();
    await tick();
    expect(requests.map((r) => r.outputs)).toEqual([['other'], ['first']]);
    requests[1]!.done.resolve({ rejected: [] });
    await p1;
    await tick();
    expect(requests.map((r) => r.outputs)).toEqual([['other'], ['first'], ['second']]);
    requests[2]!.done.resolve({ rejected: [] });
    await Promise.all([p2, p3]);
  });

  it('gives each record back only its own rejected outputs', async () => {
    const big = out('big');
    const publisher = new EarlyPublisher(async (outputs) => ({
      rejected: outputs
        .filter((o) => o === big)
        .map((message) => ({ message, error: new IntegrityError('IW_PUBLISH_TOO_LARGE', 'too large') })),
    }));
    const [small, large] = await Promise.all([
      publisher.publish('s', Promise.resolve([out('small')])),
      publisher.publish('b', Promise.resolve([big])),
    ]);
    expect(small.rejected).toEqual([]);
    expect(large.rejected.map((r) => r.error.code)).toEqual(['IW_PUBLISH_TOO_LARGE']);
  });

  it("rejects every record of a failed request with its error, and a record whose handler failed with the handler's", async () => {
    const publisher = new EarlyPublisher(async () => {
      throw new IntegrityError('IW_PUBLISH_FAILED', 'kafka down', { retriable: true });
    });
    const sent = publisher.publish('a', Promise.resolve([out('a')]));
    const failed = publisher.publish(
      'b',
      Promise.reject(new IntegrityError('IW_REGISTRY_UNREACHABLE', 'down')),
    );
    await expect(sent).rejects.toMatchObject({ code: 'IW_PUBLISH_FAILED' });
    await expect(failed).rejects.toMatchObject({ code: 'IW_REGISTRY_UNREACHABLE' });
  });

  it('sends nothing for a record without outputs', async () => {
    const { send, requests } = controlledSend();
    const publisher = new EarlyPublisher(send);
    await expect(publisher.publish(null, Promise.resolve([]))).resolves.toEqual({ rejected: [] });
    expect(requests).toHaveLength(0);
  });
});
