import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import '../../../src/kafka/kafkajs.js';
import { kafkajsOriginal } from '../../support/kafkajs-original.js';

const require = createRequire(import.meta.url);

interface Queue {
  throttledUntil: number;
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: { entry: Record<string, unknown>; expectResponse: boolean; sendRequest(): void }): void;
  maybeThrottle(ms: number): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  checkPendingRequests(): void;
  destroy(): void;
}
type QueueClass = new (options: Record<string, unknown>) => Queue;

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const options = (maxInFlightRequests: number | null = null) => ({
  maxInFlightRequests,
  requestTimeout: 30_000,
  enforceRequestTimeout: false,
  clientId: 'test',
  broker: 'b:9092',
  logger,
});
const ours = require('kafkajs/src/network/requestQueue/index.js') as QueueClass;
const theirs = kafkajsOriginal<QueueClass>('kafkajs/src/network/requestQueue/index.js');

function request(correlationId: number, sent: number[]) {
  const entry = { correlationId, apiName: 'Fetch', apiKey: 1, apiVersion: 11, resolve() {}, reject() {} };
  return { entry, expectResponse: true, sendRequest: () => sent.push(correlationId) };
}

describe('request queue timer', () => {
  afterEach(() => vi.useRealTimers());

  it("leaves an idle queue without a timer, where kafkajs's polls every millisecond", () => {
    vi.useFakeTimers();
    for (const [Queue, polls] of [
      [ours, false],
      [theirs, true],
    ] as const) {
      const queue = new Queue(options());
      const sent: number[] = [];
      queue.push(request(1, sent));
      queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
      expect(sent).toEqual([1]);
      const checks = vi.spyOn(queue, 'checkPendingRequests');
      vi.advanceTimersByTime(100);
      expect(checks.mock.calls.length > 50, Queue === ours ? 'ours' : 'kafkajs').toBe(polls);
      queue.destroy();
    }
  });

  it('sends what waited for a throttle when it ends, and what waited for an in-flight slot on a response', () => {
    vi.useFakeTimers();
    const queue = new ours(options(1));
    const sent: number[] = [];
    queue.push(request(1, sent));
    queue.push(request(2, sent)); // in flight limit 1: pending
    expect(sent).toEqual([1]);
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    queue.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });

    queue.maybeThrottle(250);
    queue.push(request(3, sent)); // throttled: pending until the throttle ends
    vi.advanceTimersByTime(200);
    expect(sent).toEqual([1, 2]);
    vi.advanceTimersByTime(60);
    expect(sent).toEqual([1, 2, 3]);
    queue.fulfillRequest({ correlationId: 3, payload: Buffer.alloc(0), size: 0 });
    expect(queue.throttleCheckTimeoutId).toBeNull();
    queue.push(request(4, sent)); // idle again: sent at once
    expect(sent).toEqual([1, 2, 3, 4]);
    queue.destroy();
  });
});
