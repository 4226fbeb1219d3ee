/**
 * kafkajs 2.2.4's `RequestQueue.scheduleCheckPendingRequests`, without its idle timer loop. After
 * every check kafkajs schedules the next one; with nothing pending and no broker throttle the delay
 * is `throttledUntil - Date.now()`, negative, which Node runs as 1 ms: every broker connection runs a
 * `setTimeout` a millisecond for as long as it is open (kafkajs issues #1556 and #1704, unmerged
 * PR #1667). In the worker's paced run its timers were ~4 % of all sampled main-thread allocation
 * (BENCHMARKS.md, *Session 11*).
 *
 * Here the same schedule, except that an idle queue (nothing pending, not throttled) schedules
 * nothing: a request pushed later is sent at once or queued with a new schedule (`push`), and a
 * request freed by a response is sent by `fulfillRequest`, which checks the queue itself. A throttled
 * queue or one with pending requests is scheduled exactly as kafkajs does.
 *
 * Patched on the prototype when imported; `./kafkajs.js` imports it.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The request queue fields the schedule reads and writes. */
interface RequestQueueState {
  throttledUntil: number;
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/** kafkajs's `CHECK_PENDING_REQUESTS_INTERVAL`: the retry when a throttle has just ended. */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  let scheduleAt = this.throttledUntil - Date.now();
  if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
  // idle: nothing to send and no throttle to wait out (kafkajs would poll every millisecond)
  else if (scheduleAt <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, scheduleAt);
}

const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { scheduleCheckPendingRequests: typeof scheduleCheckPendingRequests };
};
RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
