import { Writable } from 'node:stream';
import { logLevel, type LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator } from '../../../src/kafka/kafka-log.js';
import { createLogger } from '../../../src/telemetry/logger.js';

function capture(): { lines: Record<string, unknown>[]; log: (entry: LogEntry) => void } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('debug', {}, sink);
  return { lines, log: kafkaLogCreator(logger)(logLevel.WARN) };
}

const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}): LogEntry => ({
  namespace: 'Connection',
  level,
  label: logLevel[level],
  log: { timestamp: '2026-01-01T00:00:00.000Z', logger: 'kafkajs', message, ...extra },
});

// pino's numeric levels
const DEBUG = 20;
const INFO = 30;
const WARN = 40;
const ERROR = 50;

describe('kafkajs log lines through pino', () => {
  it('logs the retriable answers of a starting cluster at debug, not as errors', () => {
    const { lines, log } = capture();
    // The two lines every start of the worker printed at ERROR (copied from a real run).
    log(
      entry(logLevel.ERROR, '[Connection] Response InitProducerId(key: 22, version: 1)', {
        error: "The coordinator is loading and hence can't process requests for this group",
        correlationId: 2,
      }),
    );
    log(
      entry(logLevel.ERROR, '[Connection] Response GroupCoordinator(key: 10, version: 2)', {
        error: 'The group coordinator is not available',
      }),
    );
    expect(lines.map((l) => l.level)).toEqual([DEBUG, DEBUG]);
    expect(lines[0]).toMatchObject({ kafkajs: 'Connection', correlationId: 2 });
    expect(lines[0]!.msg).toBe('[Connection] Response InitProducerId(key: 22, version: 1)');
  });

  it('logs a rebalance re-join and the bounded-retries note of every producer at info', () => {
    const { lines, log } = capture();
    log(entry(logLevel.WARN, 'The group is rebalancing, re-joining', { groupId: 'g' }));
    log(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    expect(lines.map((l) => l.level)).toEqual([INFO, INFO]);
  });

  it('logs the answer a successor gets while its predecessor transaction completes at debug', () => {
    const { lines, log } = capture();
    // Copied from a real run of the exactly-once SIGKILL test (kafkajs retries InitProducerId).
    log(
      entry(logLevel.ERROR, 'Response InitProducerId(key: 22, version: 1)', {
        error:
          'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
      }),
    );
    expect(lines.map((l) => l.level)).toEqual([DEBUG]);
  });

  it('keeps the level of real failures', () => {
    const { lines, log } = capture();
    log(
      entry(logLevel.ERROR, '[Connection] Response SaslAuthenticate(key: 36, version: 1)', {
        error:
          'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
      }),
    );
    log(entry(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: The coordinator is not available'));
    log(entry(logLevel.WARN, 'Something else'));
    expect(lines.map((l) => l.level)).toEqual([ERROR, ERROR, WARN]);
  });
});
