/**
 * The console's login token: made once by `serve`, kept in a file only its owner can read
 * (mode 0600, beside the lab's keys by default), and compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BadInputError } from '../evidence/bad-input.ts';
import { defaultKeyDir } from '../report/signing.ts';

/** Where `serve` keeps its token unless told otherwise. */
export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultKeyDir(env), 'console-token');
}

/** The token in `file`, made (32 random bytes, base64url) when the file does not exist. */
export function ensureConsoleToken(file: string): { token: string; created: boolean } {
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o077;
    if (mode !== 0)
      throw new BadInputError(
        `${file}: the console token is readable by others (mode ${(statSync(file).mode & 0o777).toString(8)}); chmod 600 it`,
      );
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < 16) throw new BadInputError(`${file}: not a console token (fewer than 16 characters)`);
    return { token, created: false };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { token, created: true };
}

/** Whether `given` is the token, in time that does not depend on where they differ. */
export function tokenMatches(token: string, given: string | undefined): boolean {
  if (given === undefined || given === '') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(token), digest(given));
}

/** Whether a listen address is loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
