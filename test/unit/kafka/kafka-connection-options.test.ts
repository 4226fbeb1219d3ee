import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { kafkaConnectionOptions } from '../../../src/kafka/kafka-from-config.js';

const dir = mkdtempSync(join(tmpdir(), 'iw-kafka-tls-'));
const pem = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('Kafka TLS and SASL options from the environment', () => {
  it('is plaintext without authentication by default', () => {
    expect(kafkaConnectionOptions(loadConfig({}))).toEqual({ brokers: ['127.0.0.1:19092'], ssl: false });
  });

  it('reads the CA, client certificate and key files for TLS, with SCRAM on top', () => {
    const options = kafkaConnectionOptions(
      loadConfig({
        KAFKA_BROKERS: 'b1:9093,b2:9093',
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: pem('ca.pem', 'CA'),
        KAFKA_SSL_CERT_FILE: pem('cert.pem', 'CERT'),
        KAFKA_SSL_KEY_FILE: pem('key.pem', 'KEY'),
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
      }),
    );
    expect(options).toEqual({
      brokers: ['b1:9093', 'b2:9093'],
      ssl: { rejectUnauthorized: true, ca: ['CA'], cert: 'CERT', key: 'KEY' },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
  });

  it.each([
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/x.pem' }],
    [{ KAFKA_SSL_CA_FILE: '/ca.pem' }],
    [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'absent.pem') }],
  ])('refuses settings that do not fit together with IW_CONFIG_INVALID: %j', (env) => {
    expect(() => kafkaConnectionOptions(loadConfig(env))).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
  });

  it('refuses an unknown mechanism when the configuration is parsed', () => {
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(
      expect.objectContaining({ code: 'IW_CONFIG_INVALID' }),
    );
  });
});
