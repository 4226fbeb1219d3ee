/**
 * `integrity-worker console [serve]`                 the review console (configured by the environment)
 * `integrity-worker console users add <name> --role reviewer|admin [--password-stdin]`
 *                                                   adds an account; the password is read from stdin
 *                                                   (one line) or CONSOLE_PASSWORD, never from argv
 * `integrity-worker console rebuild`                 empties the label store's view; the next start
 *                                                   rebuilds it from the topics (accounts are kept)
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.js';
import { startConsole } from '../console/console-main.js';
import { hashPassword } from '../console/security/password.js';
import { storesFromConfig } from '../console/store/store-from-config.js';

const USAGE = `usage: integrity-worker console [serve]
       integrity-worker console users add <username> --role reviewer|admin   (password on stdin or CONSOLE_PASSWORD)
       integrity-worker console rebuild`;

export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string', default: 'reviewer' }, help: { type: 'boolean' } },
  });
  if (values.help) return (console.log(USAGE), 0);
  const [action = 'serve', sub, name] = positionals;
  const config = loadConfig();
  if (action === 'serve') {
    const handle = await startConsole(config);
    console.log(`console on ${handle.url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await handle.stop();
    return 0;
  }
  if (action === 'users' && sub === 'add' && name) {
    if (values.role !== 'reviewer' && values.role !== 'admin') return (console.error(USAGE), 1);
    const password = process.env.CONSOLE_PASSWORD ?? (await readLine());
    if (password.length < 12) return (console.error('the password needs at least 12 characters'), 1);
    const stores = await storesFromConfig(config);
    try {
      const user = await stores.accounts.addUser({
        username: name,
        role: values.role,
        passwordHash: await hashPassword(password),
      });
      await stores.accounts.audit({
        at: Date.now(),
        actor: 'cli',
        action: 'user-add',
        target: name,
        details: { role: values.role },
      });
      console.log(`added ${user.role} ${user.username} (reviewer id ${user.reviewerId})`);
    } finally {
      await stores.close();
    }
    return 0;
  }
  if (action === 'rebuild') {
    const stores = await storesFromConfig(config);
    try {
      await stores.labels.clearView();
      await stores.accounts.audit({
        at: Date.now(),
        actor: 'cli',
        action: 'rebuild',
        target: null,
        details: {},
      });
      console.log('label store view emptied: the next console start rebuilds it from the topics');
    } finally {
      await stores.close();
    }
    return 0;
  }
  console.error(USAGE);
  return 1;
}

async function readLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}
