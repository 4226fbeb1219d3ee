import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { IntegrityError, isIntegrityError } from '../../../src/errors.js';
import { explainConnectError } from '../../../src/kafka/kafka-from-config.js';

describe('explainConnectError', () => {
  it('names a broker that never answered, however deep kafkajs wrapped the connection error', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    // As kafkajs's retrier builds them (src/retry/index.js): the cause is passed along (its typings omit it).
    const retried = Object.assign(
      new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 4000 }),
      { cause: refused },
    );
    const wrapped = Object.assign(new KafkaJSNonRetriableError(retried), { cause: refused });
    for (const error of [refused, retried, wrapped]) {
      const explained = explainConnectError(error);
      expect(isIntegrityError(explained, 'IW_KAFKA_UNREACHABLE')).toBe(true);
      expect((explained as IntegrityError).retriable).toBe(true);
    }
  });

  it('names refused credentials, and leaves every other error as it is', () => {
    expect(
      isIntegrityError(
        explainConnectError(
          new (KafkaJSSASLAuthenticationError as new (message: string) => Error)(
            'SASL SCRAM-SHA-512 authentication failed',
          ),
        ),
        'IW_KAFKA_AUTH_FAILED',
      ),
    ).toBe(true);
    const other = new Error('something else');
    expect(explainConnectError(other)).toBe(other);
    const coded = new IntegrityError('IW_TOPIC_MISSING', 'no topic');
    expect(explainConnectError(coded)).toBe(coded);
  });
});
