/**
 * Where the third-party captures the specs judge against and the capture bench replays are
 * (never copied into the repository): `$DNSCONFORM_CAPTURES` when set, else `shared/captures`
 * beside the checkout or in a directory above it (the workplace keeps them at `../shared`).
 * Specs skip and benches refuse when the folder is absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The checkout this module belongs to (its dist/ when compiled: the walk up finds the same folder). */
const CHECKOUT = resolve(import.meta.dirname, '..', '..');

/** `shared/captures` in the checkout's parent or a directory above it, or null. */
function besideTheCheckout(): string | null {
  for (let dir = dirname(CHECKOUT); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'captures');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** `$DNSCONFORM_CAPTURES` when set (and only it), else `shared/captures` beside the checkout or above it. */
export const SHARED_CAPTURES = resolve(
  process.env['DNSCONFORM_CAPTURES'] ?? besideTheCheckout() ?? join(dirname(CHECKOUT), 'shared', 'captures'),
);
