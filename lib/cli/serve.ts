/**
 * `dnsconform serve`: the lab console (lib/console/console-server.ts) on loopback unless
 * `--listen` says otherwise. Without `--redis` it shows the local run directories and
 * nothing else; with it, the lab's queued runs too and a form to submit more.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildConsole } from '../console/console-server.ts';
import { defaultTokenFile, ensureConsoleToken, isLoopback } from '../console/console-token.ts';
import { RunQueues, connect } from '../console/run-queue.ts';
import { DirectoryRunStore } from '../console/run-store.ts';
import { PUBLIC_KEY_FILE, defaultKeyDir } from '../report/signing.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';
import { UsageError } from './usage-error.ts';

/** The console's address unless `--listen` names another. */
export const DEFAULT_LISTEN = '127.0.0.1:8470';

/** `ADDR:PORT` or `[v6]:PORT` as host and port, or a usage error naming it. */
export function parseListen(raw: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65535) throw new UsageError(`--listen "${raw}": not ADDR:PORT (127.0.0.1:8470, [::1]:8470)`);
  return { host: match[1] ?? match[2]!, port };
}

interface ServeOptions {
  listen: string;
  reports: string;
  redis?: string;
  store: string;
  tokenFile: string;
  token: boolean;
  keys: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description(COMMAND_SUMMARIES.serve.description)
    .option('--listen <addr:port>', 'where the console listens; beyond loopback only with its token', DEFAULT_LISTEN)
    .option('--reports <dir>', 'the local run directories to show', 'reports')
    .option('--redis <url>', "the lab's Redis (redis://host:port): show its queued runs and take submissions")
    .option('--store <dir>', 'with --redis: the store the benches put finished runs in', 'lab-store')
    .option('--token-file <file>', 'the login token, made (mode 0600) when missing', defaultTokenFile())
    .option('--no-token', 'on loopback only: no login (anyone on this host can read the runs)')
    .option(
      '--keys <dir>',
      "the lab's key directory: bundles are verified against its public key when there",
      defaultKeyDir(),
    )
    .action(async (options: ServeOptions) => {
      const { host, port } = parseListen(options.listen);
      if (!options.token && !isLoopback(host))
        throw new UsageError(`--no-token: the console listens on ${host}, beyond loopback; it needs its token there`);
      const token = options.token ? ensureConsoleToken(options.tokenFile) : null;
      if (token?.created) console.log(`created the console token in ${options.tokenFile} (mode 0600)`);
      const queues = options.redis ? new RunQueues(connect(options.redis)) : null;
      const publicKey = join(options.keys, PUBLIC_KEY_FILE);
      const app = await buildConsole({
        reportsDir: options.reports,
        queues,
        store: queues ? new DirectoryRunStore(options.store) : null,
        token: token?.token ?? null,
        ...(existsSync(publicKey) ? { publicKeyFile: publicKey } : {}),
      });
      const address = await app.listen({ host, port });
      console.log(
        `console on ${address}/ (${queues ? `queue on ${options.redis}, store ${options.store}` : 'local runs only'})`,
      );
      if (token) console.log(`log in: ${address}/login?token=${token.token} (token in ${options.tokenFile})`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await app.close();
      if (queues) {
        await queues.close();
        queues.redis.disconnect();
      }
    });
}
