/**
 * `dnsconform keys init [--dir DIR] [--force] [--lab-name NAME | --p12 FILE]`: creates the
 * lab's keys that are missing: the Ed25519 pair for report.json and the manifest, and the
 * RSA key with its certificate in `lab-pdf.p12` for report.pdf (self-signed, or imported
 * from a P12 the lab's CA issued).
 * `dnsconform keys ca [--dir DIR] [--out FILE] [--pem]`: shows or exports the lab CA that
 * issues the resolver's DoT/DoH certificate, for installing on a DUT (made on first use).
 * Refusing to replace an existing key is exit 2 (bad input), as is any unusable key dir.
 */
import { Command } from 'commander';
import type { OutputConfiguration } from 'commander';
import { EXIT } from './exit-codes.ts';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_LAB_NAME,
  importPdfSigningKey,
  initPdfSigningKey,
  P12_PASSPHRASE_ENV,
  PDF_P12_FILE,
} from '../report/pdf/pdf-key.ts';
import { defaultKeyDir, initKeys, KeyFileError, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '../report/signing.ts';
import { ensureLabCa } from '../resolver/lab-certificate.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

/** The `keys` command with its `init` subcommand. `output` redirects what it prints (tests). */
export function keysCommand(output: OutputConfiguration = {}): Command {
  const writeOut = output.writeOut ?? ((s: string) => process.stdout.write(s));
  const writeErr = output.writeErr ?? ((s: string) => process.stderr.write(s));
  // exitOverride: throw usage errors (CommanderError) instead of exiting 1, so the program maps them to 2.
  const keys = new Command('keys')
    .description(COMMAND_SUMMARIES.keys.description)
    .configureOutput(output)
    .exitOverride();
  keys
    .command('init')
    .description(
      'create the lab keys that are missing: the Ed25519 pair that signs report.json and manifest.json, ' +
        'and the RSA certificate (lab-pdf.p12) that signs report.pdf',
    )
    .option(
      '--dir <dir>',
      'key directory (default: $DNSCONFORM_KEY_DIR, $XDG_CONFIG_HOME/dnsconform/keys or ~/.config/dnsconform/keys)',
    )
    .option(
      '--force',
      'replace existing keys (reports they signed can then only be checked with kept copies of the old public key and certificate)',
    )
    .option(
      '--lab-name <name>',
      `the subject CN of the self-signed PDF signing certificate (default: ${DEFAULT_LAB_NAME})`,
    )
    .option(
      '--p12 <file>',
      `import the PDF signing key and certificate from a PKCS#12 file issued by the lab's CA (passphrase in $${P12_PASSPHRASE_ENV})`,
    )
    .configureOutput(output)
    .exitOverride()
    .action((options: { dir?: string; force?: boolean; labName?: string; p12?: string }) => {
      const dir = options.dir ?? defaultKeyDir();
      const force = options.force === true;
      try {
        if (options.p12 !== undefined && options.labName !== undefined) {
          throw new KeyFileError(
            '--lab-name names a self-signed certificate; an imported P12 keeps the subject its CA gave it',
          );
        }
        const ed25519Exists = [PRIVATE_KEY_FILE, PUBLIC_KEY_FILE].some((file) => existsSync(join(dir, file)));
        const pdfExists = existsSync(join(dir, PDF_P12_FILE));
        if (!force && pdfExists && (ed25519Exists || options.p12 !== undefined)) {
          const existing = [...(ed25519Exists ? [PRIVATE_KEY_FILE] : []), PDF_P12_FILE].map((file) => join(dir, file));
          throw new KeyFileError(
            `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; ` +
              'refusing to overwrite a signing key (use --force to replace it)',
          );
        }
        const lines: string[] = [];
        if (force || !ed25519Exists) {
          const files = initKeys(dir, { force });
          lines.push(
            `private key  ${files.privateKeyFile} (mode 0600, keep it secret)`,
            `public key   ${files.publicKeyFile} (publish it so others can verify reports)`,
            `fingerprint  sha256 ${files.fingerprint}`,
          );
        } else {
          lines.push(`kept         ${join(dir, PRIVATE_KEY_FILE)} (exists)`);
        }
        const pdf =
          options.p12 !== undefined
            ? importPdfSigningKey(dir, options.p12, { force })
            : force || !pdfExists
              ? initPdfSigningKey(dir, { force, labName: options.labName })
              : null;
        if (pdf !== null) {
          lines.push(
            `PDF key      ${pdf.p12File} (mode 0600, keep it secret; ${options.p12 === undefined ? 'self-signed' : `imported from ${options.p12}`})`,
            `certificate  ${pdf.certFile} (${pdf.subject}; publish it so others can check report.pdf)`,
            `fingerprint  sha256 ${pdf.fingerprint}`,
          );
        } else {
          lines.push(`kept         ${join(dir, PDF_P12_FILE)} (exists)`);
        }
        writeOut(lines.map((line) => `${line}\n`).join(''));
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
        writeOut(
          `lab CA       ${ca.certFile}${ca.created ? ' (created now)' : ''}\n` +
            `fingerprint  sha256 ${ca.fingerprint}\n` +
            (options.out ? `exported to  ${options.out}\n` : '') +
            'install it as a trusted CA on the DUT so it can verify the resolver over DoT/DoH\n',
        );
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
