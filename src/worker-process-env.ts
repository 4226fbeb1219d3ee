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
