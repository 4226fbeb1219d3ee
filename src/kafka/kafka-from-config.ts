/**
 * The one builder of kafkajs clients: the worker, `setup` and every other command that talks to Kafka
 * get the same brokers, client id, TLS, SASL and logging from the configuration.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { Config } from '../config/load-config.js';
import { IntegrityError } from '../errors.js';
import type { Logger } from '../telemetry/logger.js';
import { kafkaLogCreator } from './kafka-log.js';
import { Kafka, logLevel } from './kafkajs.js';

/** @param clientIdSuffix appended to KAFKA_CLIENT_ID (`-setup`), so brokers can tell the tools apart. */
export function kafkaFromConfig(config: Config, logger: Logger, clientIdSuffix = ''): Kafka {
  return new Kafka({
    ...kafkaConnectionOptions(config),
    clientId: `${config.KAFKA_CLIENT_ID}${clientIdSuffix}`,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  });
}

type KafkaSecurity = Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>;
type SecurityConfig = Pick<
  Config,
  | 'KAFKA_BROKERS'
  | 'KAFKA_SSL'
  | 'KAFKA_SSL_CA_FILE'
  | 'KAFKA_SSL_CERT_FILE'
  | 'KAFKA_SSL_KEY_FILE'
  | 'KAFKA_SSL_REJECT_UNAUTHORIZED'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD'
>;

/** Brokers, `ssl` and `sasl` for kafkajs; IW_CONFIG_INVALID when the settings do not fit together. */
export function kafkaConnectionOptions(config: SecurityConfig): KafkaSecurity {
  const problems: string[] = [];
  const mechanism = config.KAFKA_SASL_MECHANISM;
  if (mechanism !== 'none' && (!config.KAFKA_SASL_USERNAME || !config.KAFKA_SASL_PASSWORD))
    problems.push(`KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  if (Boolean(config.KAFKA_SSL_CERT_FILE) !== Boolean(config.KAFKA_SSL_KEY_FILE))
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together');
  const files = [config.KAFKA_SSL_CA_FILE, config.KAFKA_SSL_CERT_FILE, config.KAFKA_SSL_KEY_FILE];
  if (!config.KAFKA_SSL && files.some(Boolean)) problems.push('KAFKA_SSL_*_FILE needs KAFKA_SSL=true');
  if (problems.length > 0)
    throw new IntegrityError('IW_CONFIG_INVALID', `invalid Kafka security settings: ${problems.join('; ')}`, {
      details: { problems },
    });

  const read = (name: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (cause) {
      throw new IntegrityError('IW_CONFIG_INVALID', `${name}: cannot read ${path}`, {
        cause,
        details: { name },
      });
    }
  };
  let ssl: ConnectionOptions | boolean = false;
  if (config.KAFKA_SSL) {
    const ca = read('KAFKA_SSL_CA_FILE', config.KAFKA_SSL_CA_FILE);
    const cert = read('KAFKA_SSL_CERT_FILE', config.KAFKA_SSL_CERT_FILE);
    const key = read('KAFKA_SSL_KEY_FILE', config.KAFKA_SSL_KEY_FILE);
    ssl = {
      rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED,
      ...(ca && { ca: [ca] }),
      ...(cert && { cert }),
      ...(key && { key }),
    };
  }
  const sasl: SASLOptions | undefined =
    mechanism === 'none'
      ? undefined
      : ({
          mechanism,
          username: config.KAFKA_SASL_USERNAME!,
          password: config.KAFKA_SASL_PASSWORD!,
        } as SASLOptions);
  return { brokers: [...config.KAFKA_BROKERS], ssl, ...(sasl && { sasl }) };
}

/**
 * A connect failure as a coded error: refused credentials become IW_KAFKA_AUTH_FAILED (kafkajs would
 * otherwise retry them with backoff and report a generic crash), no broker answering (after kafkajs's
 * own retries) IW_KAFKA_UNREACHABLE; anything else is rethrown as is.
 */
export function explainConnectError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof IntegrityError) return error;
  if (error.name === 'KafkaJSSASLAuthenticationError' || /SASL/i.test(error.message))
    return new IntegrityError(
      'IW_KAFKA_AUTH_FAILED',
      `the brokers refused authentication: ${error.message}`,
      {
        cause: error,
      },
    );
  if (causes(error).some((e) => CONNECTION_ERRORS.has(e.name)))
    return new IntegrityError('IW_KAFKA_UNREACHABLE', `no broker answered: ${error.message}`, {
      cause: error,
    });
  return error;
}

const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
]);

/** The error and its causes, outermost first (kafkajs wraps the connection error in retry errors). */
function causes(error: Error): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 10; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  return chain;
}
