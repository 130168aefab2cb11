/**
 * `dnsconform keys init [--dir DIR] [--force]`: creates the lab's Ed25519 signing key.
 * `dnsconform keys ca [--dir DIR] [--out FILE] [--pem]`: shows or exports the lab CA that
 * issues the resolver's DoT/DoH certificate, for installing on a DUT (made on first use).
 * Refusing to replace an existing key is exit 2 (bad input), as is any unusable key dir.
 */
import { Command } from 'commander';
import type { OutputConfiguration } from 'commander';
import { EXIT } from './exit-codes.ts';
import { writeFileSync } from 'node:fs';
import { defaultKeyDir, initKeys, KeyFileError } from '../report/signing.ts';
import { ensureLabCa } from '../resolver/lab-certificate.ts';

/** The `keys` command with its `init` subcommand. `output` redirects what it prints (tests). */
export function keysCommand(output: OutputConfiguration = {}): Command {
  const writeOut = output.writeOut ?? ((s: string) => process.stdout.write(s));
  const writeErr = output.writeErr ?? ((s: string) => process.stderr.write(s));
  // exitOverride: throw usage errors (CommanderError) instead of exiting 1, so the program maps them to 2.
  const keys = new Command('keys').description('manage the lab signing keys').configureOutput(output).exitOverride();
  keys
    .command('init')
    .description('create the Ed25519 key pair that signs report.json and manifest.json')
    .option('--dir <dir>', 'key directory (default: $DNSCONFORM_KEY_DIR, $XDG_CONFIG_HOME/dnsconform/keys or ~/.config/dnsconform/keys)')
    .option('--force', 'replace an existing key pair (reports it signed can then only be checked with a kept copy of the old public key)')
    .configureOutput(output)
    .exitOverride()
    .action((options: { dir?: string; force?: boolean }) => {
      const dir = options.dir ?? defaultKeyDir();
      try {
        const files = initKeys(dir, { force: options.force === true });
        writeOut(`private key  ${files.privateKeyFile} (mode 0600, keep it secret)\n`
          + `public key   ${files.publicKeyFile} (publish it so others can verify reports)\n`
          + `fingerprint  sha256 ${files.fingerprint}\n`);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (error instanceof KeyFileError || code === 'EACCES' || code === 'ENOTDIR' || code === 'EEXIST') {
          writeErr(`dnsconform keys init: ${(error as Error).message}\n`);
          process.exitCode = EXIT.BAD_INPUT;
          return;
        }
        throw error;
      }
    });
  keys
    .command('ca')
    .description('show or export the lab CA certificate that a DUT must trust for DoT/DoH (created on first use)')
    .option('--dir <dir>', 'key directory (as for init)')
    .option('--out <file>', 'write the CA certificate (PEM) to this file')
    .option('--pem', 'print the CA certificate (PEM) instead of the summary')
    .configureOutput(output)
    .exitOverride()
    .action(async (options: { dir?: string; out?: string; pem?: boolean }) => {
      const dir = options.dir ?? defaultKeyDir();
      try {
        const ca = await ensureLabCa(dir);
        if (options.out) writeFileSync(options.out, ca.certPem);
        if (options.pem) {
          writeOut(ca.certPem);
          return;
        }
        writeOut(`lab CA       ${ca.certFile}${ca.created ? ' (created now)' : ''}\n`
          + `fingerprint  sha256 ${ca.fingerprint}\n`
          + (options.out ? `exported to  ${options.out}\n` : '')
          + 'install it as a trusted CA on the DUT so it can verify the resolver over DoT/DoH\n');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'ENOTDIR' || code === 'ENOENT' || code === 'EISDIR') {
          writeErr(`dnsconform keys ca: ${(error as Error).message}\n`);
          process.exitCode = EXIT.BAD_INPUT;
          return;
        }
        throw error;
      }
    });
  return keys;
}
