import type { Meter } from '@opentelemetry/api';
import type { AggregatedHistograms } from './aggregated-histogram.js';

// Up to 10 min: a backlog after an outage is exactly what the latency histograms must show.
const END_TO_END_BOUNDARIES = [
  10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
];

/**
 * The worker's instruments, created once from a meter. Names follow OpenTelemetry conventions
 * (dot-separated, units in `unit`); Prometheus sees them as `iw_messages_total` and so on. The three
 * histograms recorded several times per pin (stage duration, class score, signal-set duration) are
 * `AggregatedHistogram`s from `histograms`, which every reader collects alongside the meter's.
 */
export class WorkerMetrics {
  readonly messagesIn;
  readonly labelsOut;
  readonly deadLetters;
  readonly stageDuration;
  readonly endToEndLatency;
  readonly consumeDelay;
  readonly cacheLookups;
  readonly cacheErrors;
  readonly unscored;
  readonly decisions;
  readonly classScores;
  readonly batchSize;
  readonly batchQueueWait;
  readonly batchCompute;
  readonly fetchFailures;
  readonly partitionPauses;
  readonly outputsRejected;
  readonly signatureChecks;
  readonly shadowComparisons;
  readonly shadowScoreDelta;
  readonly shadowShed;
  readonly shadowFailures;
  readonly signalSetDuration;
  readonly reloads;
  readonly modelRestarts;
  readonly nearDuplicateVerifications;
  readonly orbFeatureWrites;

  constructor(meter: Meter, histograms: AggregatedHistograms) {
    this.messagesIn = meter.createCounter('iw.messages', {
      description: 'Input records answered (labeled or dead-lettered).',
    });
    this.labelsOut = meter.createCounter('iw.labels', { description: 'IntegrityLabels published.' });
    this.deadLetters = meter.createCounter('iw.dead_letters', {
      description: 'DeadLetters published, by error code.',
    });
    this.stageDuration = histograms.create('iw.stage.duration', {
      description: 'Time per pipeline stage.',
      unit: 'ms',
    });
    this.endToEndLatency = meter.createHistogram('iw.end_to_end.latency', {
      description: "From the pin's createdAt to its label acknowledged by Kafka.",
      unit: 'ms',
      advice: { explicitBucketBoundaries: END_TO_END_BOUNDARIES },
    });
    this.consumeDelay = meter.createHistogram('iw.consume.delay', {
      description:
        "From a record's Kafka timestamp to its handling starting: time in the topic, in the consumer's fetch cycle and behind the in-flight limit. End-to-end latency minus this is the worker's own time. By topic (a rescan waits for its not-before time).",
      unit: 'ms',
      advice: { explicitBucketBoundaries: END_TO_END_BOUNDARIES },
    });
    this.cacheLookups = meter.createCounter('iw.cache.lookups', {
      description: 'Score cache lookups, by signal and result (hit|miss).',
    });
    this.cacheErrors = meter.createCounter('iw.cache.errors', {
      description: 'Cache calls that failed open, by operation.',
    });
    this.unscored = meter.createCounter('iw.unscored', {
      description: 'Signals left UNSCORED, by signal and reason code.',
    });
    this.decisions = meter.createCounter('iw.decisions', {
      description: 'Decisions, by signal and decision (overall included).',
    });
    this.classScores = histograms.create('iw.class_score', {
      description: 'Class probabilities by model@version and class: the drift signal.',
      boundaries: [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
    });
    this.batchSize = meter.createHistogram('iw.inference.batch_size', {
      description: 'Rows per inference batch, by model.',
      advice: { explicitBucketBoundaries: [1, 2, 4, 8, 16, 32, 64] },
    });
    this.batchQueueWait = meter.createHistogram('iw.inference.queue_wait', {
      description: 'Time a row waited for its batch.',
      unit: 'ms',
    });
    this.batchCompute = meter.createHistogram('iw.inference.compute', {
      description: 'Session run time per batch.',
      unit: 'ms',
    });
    this.fetchFailures = meter.createCounter('iw.fetch.failures', {
      description: 'Image fetches that failed after their retries, by reason (error code).',
    });
    this.partitionPauses = meter.createCounter('iw.partition.pauses', {
      description:
        'Input partitions paused after a chunk failed outside its records (registry or Kafka down), by code.',
    });
    this.outputsRejected = meter.createCounter('iw.outputs.rejected', {
      description:
        'Outputs that can never be published (too large for their topic), by topic and code; their inputs are committed.',
    });
    this.signatureChecks = meter.createCounter('iw.image.signature.checks', {
      description:
        'Upstream `sha256:` image signatures checked against downloaded bytes, by result (match, mismatch).',
    });
    this.shadowComparisons = meter.createCounter('iw.shadow.comparisons', {
      description:
        'Shadow vs deciding signal, by signal, primary and shadow model@version and both decisions: agreement and flips per decision pair.',
    });
    this.shadowScoreDelta = meter.createHistogram('iw.shadow.score_delta', {
      description: 'Shadow score minus deciding score, by signal, model pair and class.',
      advice: {
        explicitBucketBoundaries: [-0.5, -0.2, -0.1, -0.05, -0.01, 0.01, 0.05, 0.1, 0.2, 0.5],
      },
    });
    this.shadowShed = meter.createCounter('iw.shadow.shed', {
      description: 'Pins whose shadow scoring was shed because the shadow queue was full, by signal.',
    });
    this.shadowFailures = meter.createCounter('iw.shadow.failures', {
      description: 'Shadow runs that failed to label or publish, by code (primary labels are unaffected).',
    });
    this.signalSetDuration = histograms.create('iw.signal_set.duration', {
      description: 'Time the signals of one pin took, by role (primary, canary, shadow) and models.',
      unit: 'ms',
    });
    this.reloads = meter.createCounter('iw.served_set.reloads', {
      description: 'Served-set reloads, by result (applied, refused).',
    });
    this.modelRestarts = meter.createCounter('iw.model.restarts', {
      description: 'Model sessions started to replace one that died, by model (name@version).',
    });
    this.nearDuplicateVerifications = meter.createCounter('iw.near_duplicate.verifications', {
      description:
        'Image near-duplicate candidates judged, by `by` (orb: ORB + RANSAC decided; embedding: the strict distance did), `reason` (why not ORB, or none) and `matched`.',
    });
    this.orbFeatureWrites = meter.createCounter('iw.near_duplicate.orb_features', {
      description: 'ORB features of REVIEW/BLOCK images for the index, by result (written, exists, failed).',
    });
  }
}
