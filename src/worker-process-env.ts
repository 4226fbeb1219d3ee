/**
 * glibc malloc settings the worker process starts with. glibc reads them once, when the process
 * starts, so the worker cannot set them for itself: whatever starts it (the Dockerfile's `ENV`, which
 * the compose file and the Kubernetes Deployment inherit; the bench; the demo) passes these, and a unit
 * test keeps the Dockerfile equal to this object.
 *
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that contends for the heap an arena of its own (up
 *   to 8 per core); onnxruntime's, libvips's and libuv's threads each kept tens of MiB of freed
 *   blocks in theirs.
 * - `MALLOC_MMAP_THRESHOLD_=131072`: blocks of 128 KiB and more (decoded pixels, tensors, Kafka
 *   batches) are mapped and unmapped on free, so they go back to the system instead of staying in an
 *   arena; a fixed threshold also stops glibc raising it after the first large free.
 *
 * Measured in BENCHMARKS.md ("RSS budget").
 */
export const WORKER_MALLOC_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
});

/**
 * V8 flags the worker process starts with, on node's command line before the script (the
 * Dockerfile's `ENTRYPOINT`, which the Kubernetes Deployment keeps; the bench; the demo), for the
 * same reason: V8 sizes its heap when the process starts. A unit test keeps the Dockerfile equal.
 *
 * - `--max-semi-space-size=32` (MiB; V8's default on 64-bit is 16): a warm pin's main thread spent
 *   ~13 % in garbage collection, most of it scavenges of the young generation, which fills with each
 *   chunk's short-lived records, Avro buffers and label objects. Twice the room halves the scavenges;
 *   the heap reserves ~33 MiB more (heap_total 77 -> 110 MiB) for +9 % warm pins/s (BENCHMARKS.md,
 *   *Session 11*). 64 MiB was faster still but took peak RSS too close to its 450 MiB budget.
 */
export const WORKER_NODE_FLAGS: readonly string[] = Object.freeze(['--max-semi-space-size=32']);
