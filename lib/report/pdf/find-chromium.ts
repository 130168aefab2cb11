/**
 * Finds the Chromium that prints the PDF report: `$DNSCONFORM_CHROMIUM`, else the Debian
 * (`/usr/bin/chromium`) or Ubuntu (`/usr/bin/chromium-browser`) one. No Chromium is an
 * error that says how to install it; a report is never issued without its PDF.
 */
import { accessSync, constants, statSync } from 'node:fs';

/** Where Chromium is looked for, in order, after `$DNSCONFORM_CHROMIUM`. */
export const CHROMIUM_CANDIDATES: readonly string[] = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** No usable Chromium. The CLI exits 3 (the harness cannot do its job on this machine). */
export class ChromiumNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChromiumNotFoundError';
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The Chromium executable to drive, or a {@link ChromiumNotFoundError} saying how to get one. */
export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  candidates: readonly string[] = CHROMIUM_CANDIDATES,
): string {
  const chosen = env.DNSCONFORM_CHROMIUM;
  if (chosen) {
    if (executable(chosen)) return chosen;
    throw new ChromiumNotFoundError(`$DNSCONFORM_CHROMIUM is ${chosen}, which is not an executable file`);
  }
  const found = candidates.find(executable);
  if (found) return found;
  throw new ChromiumNotFoundError(
    `Chromium is needed to print the PDF report and was not found at ${candidates.join(' or ')}: ` +
      'install it with `apt-get install chromium` (or scripts/setup.sh), or set $DNSCONFORM_CHROMIUM to its path',
  );
}
