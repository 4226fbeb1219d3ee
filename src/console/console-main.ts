/**
 * The console's composition root (a process of its own beside the worker): builds the store, the
 * Kafka clients, the codec, the guarded image fetcher, the ingest, the verdict publisher, the
 * metrics and the HTTP app, and closes them in reverse order on stop.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/load-config.js';
import { checkTopics } from '../consume/check-topics.js';
import { AvroCodec } from '../contracts/avro-codec.js';
import { HttpSchemaRegistry, registryAuthFromConfig } from '../contracts/http-schema-registry.js';
import type { Connector, HostResolver } from '../fetch/guarded-connector.js';
import { imageFetcherFromConfig } from '../fetch/fetcher-from-config.js';
import { kafkaFromConfig } from '../kafka/kafka-from-config.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { createConsoleMetrics } from './console-metrics.js';
import { StoreIngest } from './ingest/store-ingest.js';
import { KafkaVerdictPublisher } from './publish/verdict-publisher.js';
import { buildConsoleApp } from './server/console-app.js';
import { storesFromConfig, type ConsoleStores } from './store/store-from-config.js';

export interface ConsoleOverrides {
  logger?: Logger;
  lookup?: HostResolver;
  connector?: Connector;
}

export interface ConsoleHandle {
  readonly port: number;
  readonly url: string;
  readonly stores: ConsoleStores;
  readonly ingest: StoreIngest;
  stop(): Promise<void>;
}

export async function startConsole(config: Config, overrides: ConsoleOverrides = {}): Promise<ConsoleHandle> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse())
      await close().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
  };
  try {
    const stores = await storesFromConfig(config);
    closers.push(() => stores.close());
    // The worker's connection settings (TLS, SASL) and its kafkajs log mapping.
    const kafka = kafkaFromConfig(config, logger, '-console');
    const labelTopics = config.CONSOLE_LABEL_TOPICS.map((l) => l.topic);
    await checkTopics(kafka, [config.INPUT_TOPIC, config.REVIEW_TOPIC, ...labelTopics]);
    const codec = new AvroCodec(
      new HttpSchemaRegistry({ baseUrl: config.SCHEMA_REGISTRY_URL, auth: registryAuthFromConfig(config) }),
    );
    const fetcher = imageFetcherFromConfig(config, {
      lookup: overrides.lookup,
      connector: overrides.connector,
    });
    closers.push(() => fetcher.close());
    const publisher = new KafkaVerdictPublisher(kafka, codec, config.REVIEW_TOPIC);
    await publisher.connect();
    closers.push(() => publisher.close());
    const ingest = new StoreIngest(
      kafka,
      config.CONSOLE_GROUP_ID,
      codec,
      stores.labels,
      { pins: config.INPUT_TOPIC, labels: config.CONSOLE_LABEL_TOPICS, reviews: config.REVIEW_TOPIC },
      logger,
    );
    await ingest.start();
    closers.push(() => ingest.stop());
    const metrics = createConsoleMetrics(stores.stats);
    closers.push(() => metrics.close());
    const tls =
      config.CONSOLE_TLS_CERT_FILE && config.CONSOLE_TLS_KEY_FILE
        ? { cert: readFileSync(config.CONSOLE_TLS_CERT_FILE), key: readFileSync(config.CONSOLE_TLS_KEY_FILE) }
        : undefined;
    const app = await buildConsoleApp(
      {
        stores,
        publisher,
        fetcher,
        logger,
        settings: {
          claimTtlMs: config.CONSOLE_CLAIM_TTL_S * 1000,
          sessionTtlMs: config.CONSOLE_SESSION_TTL_S * 1000,
          loginMaxPerMinute: config.CONSOLE_LOGIN_MAX_PER_MIN,
          secureCookies: tls !== undefined,
          webDir: config.CONSOLE_WEB_DIR,
        },
        metricsText: metrics.metricsText,
        isReady: () => true,
      },
      tls ? { https: tls } : {},
    );
    await app.listen({ host: config.CONSOLE_HOST, port: config.CONSOLE_PORT });
    closers.push(() => app.close());
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.CONSOLE_PORT;
    const url = `${tls ? 'https' : 'http'}://${config.CONSOLE_HOST}:${port}`;
    logger.info(
      { url, store: config.CONSOLE_STORE_URL.replace(/\/\/[^@]*@/, '//***@') },
      'console listening',
    );
    return { port, url, stores, ingest, stop: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
