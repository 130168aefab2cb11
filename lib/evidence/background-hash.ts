/**
 * SHA-256 of large files on a worker thread, so hashing gigabytes of capture runs beside
 * reading them instead of after. The digests are those of {@link hashFile}.
 */
import { Worker } from 'node:worker_threads';
import type { FileDigest } from './manifest.ts';

/** The worker: plain JavaScript (no loader needed), hashing the files in turn as hashFile does. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
const buffer = Buffer.alloc(${1 << 20});
const digests = [];
for (const path of workerData) {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
      hash.update(buffer.subarray(0, n));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  digests.push({ sha256: hash.digest('hex'), bytes });
}
parentPort.postMessage(digests);
`;

/** Files being hashed: their digests in the order given, or a way to stop. */
export interface BackgroundHash {
  digests: Promise<FileDigest[]>;
  /** Stops the worker (when the digests will not be needed). */
  cancel(): void;
}

/** Starts hashing `files` on a worker thread. */
export function hashFilesInBackground(files: readonly string[]): BackgroundHash {
  // No loader flags: the worker is plain JavaScript, and tsx would only slow its start.
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: [...files], execArgv: [] });
  const digests = new Promise<FileDigest[]>((resolve, reject) => {
    worker.once('message', (result: FileDigest[]) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`hashing ${files.join(', ')} stopped (worker exit ${code})`)));
  });
  // A cancelled hash is not waited for: its rejection must not surface as unhandled.
  digests.catch(() => undefined);
  return { digests, cancel: () => void worker.terminate() };
}
