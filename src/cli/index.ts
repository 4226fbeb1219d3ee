/**
 * `integrity-worker <command>`: the dispatcher. Each command lives in its own file and is loaded only
 * when asked for, so `classify` never pays for Kafka clients and `schemas` never loads models.
 * A command returns its exit code; a thrown IntegrityError prints its code and exits 2.
 */
import { isIntegrityError } from '../errors.js';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  run: {
    summary: 'consume pins, publish integrity labels (configured by the environment)',
    load: () => import('./run-command.js'),
  },
  classify: {
    summary: 'score one pin (image file or URL, optional text) with no services running',
    load: () => import('./classify-command.js'),
  },
  setup: {
    summary: 'create the configured topics and register their contracts (idempotent)',
    load: () => import('./setup-command.js'),
  },
  models: {
    summary:
      'list the model versions; promote the canary, roll back, or set the served set (SERVED_SET_FILE)',
    load: () => import('./models-command.js'),
  },
  replay: {
    summary: 'rescore a range of the input topic into a versioned label topic (own group)',
    load: () => import('./replay-command.js'),
  },
  redrive: {
    summary: 're-publish chosen dead letters (by code, offsets or time) to the input topic',
    load: () => import('./redrive-command.js'),
  },
  schemas: {
    summary: 'check or register the Avro contracts with the schema registry',
    load: () => import('./schemas-command.js'),
  },
  console: {
    summary: 'the review console (serve), its accounts (users add) and store (rebuild)',
    load: () => import('./console-command.js'),
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['usage: integrity-worker <command> [options]', '', 'commands:', ...lines].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command: ${name}\n\n${usage()}`);
    return 1;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (error) {
    if (isIntegrityError(error)) {
      console.error(`error ${error.code}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
