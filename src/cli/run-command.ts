/**
 * `integrity-worker run`: the worker. Config from the environment (see README); SIGTERM or SIGINT
 * stops it gracefully within SHUTDOWN_DEADLINE_MS, after which it exits anyway with code 1.
 */
import { loadConfig } from '../config/load-config.js';
import { explainConnectError } from '../kafka/kafka-from-config.js';
import { startWorker } from '../main.js';
import { createLogger } from '../telemetry/logger.js';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log('usage: integrity-worker run   (configured by environment variables; see README)');
    return 0;
  }
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  // A broker that does not answer at start is a coded error (exit code 2), not an uncaught kafkajs stack.
  const worker = await startWorker(config, { logger }).catch((error: unknown) => {
    throw explainConnectError(error);
  });
  // SIGHUP: reload the served set (models and policy) without a restart; the outcome is logged.
  const onHangUp = () => void worker.reload('SIGHUP');
  process.on('SIGHUP', onHangUp);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal, deadlineMs: config.SHUTDOWN_DEADLINE_MS }, 'stopping');
  const deadline = setTimeout(() => {
    logger.error({ deadlineMs: config.SHUTDOWN_DEADLINE_MS }, 'graceful stop exceeded its deadline; exiting');
    process.exit(1);
  }, config.SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  process.off('SIGHUP', onHangUp);
  await worker.stop();
  clearTimeout(deadline);
  return 0;
}
