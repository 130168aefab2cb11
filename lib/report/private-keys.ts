/**
 * Private keys never belong in a run directory or a bundle: the lab's keys stay in the key
 * directory (mode 0600). This finds files that are, or hold, a private key: by name (PKCS#12
 * containers, `*.key`, `*.key.pem`) and by a PEM private-key block in their content. The
 * recorded traffic (the capture and the event log) is not searched for PEM blocks: it holds
 * what the device sent, which is evidence even when it is a key the device leaked.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { listRunFiles } from '../evidence/manifest.ts';

/** A file that is or holds a private key, and how it was recognised. */
export interface PrivateKeyFinding {
  file: string;
  why: string;
}

const KEY_NAME = /(\.p12|\.pfx|\.key|\.key\.pem)$/i;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
/** Recorded traffic: evidence of what the device sent, not files the lab wrote. */
const RECORDED_TRAFFIC = /(^|\/)(events\.ndjson|[^/]*\.pcap(ng)?)$/;
const CHUNK = 1 << 20;
/** Long enough to hold any PEM private-key header, so one split across chunks is still seen. */
const OVERLAP = 64;

/** Whether the file's bytes hold a PEM private-key header (read in chunks). */
function holdsPemPrivateKey(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK + OVERLAP);
    let carried = 0;
    for (;;) {
      const n = readSync(fd, buffer, carried, CHUNK, null);
      if (n <= 0) return false;
      const end = carried + n;
      if (PEM_PRIVATE_KEY.test(buffer.toString('latin1', 0, end))) return true;
      carried = Math.min(OVERLAP, end);
      buffer.copy(buffer, 0, end - carried, end);
    }
  } finally {
    closeSync(fd);
  }
}

/** Every file of `runDir` (or of the given relative list) that is or holds a private key. */
export function findPrivateKeys(runDir: string, files: readonly string[] = listRunFiles(runDir)): PrivateKeyFinding[] {
  const found: PrivateKeyFinding[] = [];
  for (const file of files) {
    if (KEY_NAME.test(file)) {
      found.push({ file, why: 'named like a key file' });
      continue;
    }
    if (RECORDED_TRAFFIC.test(file)) continue;
    try {
      if (holdsPemPrivateKey(join(runDir, file))) found.push({ file, why: 'holds a PEM private key block' });
    } catch {
      // Unreadable files are reported by the digest checks.
    }
  }
  return found;
}
