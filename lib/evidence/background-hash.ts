/**
 * SHA-256 of large files on a worker thread, so hashing gigabytes of capture runs beside
 * reading them instead of after. The digests are those of {@link hashFile}.
 */
import { Worker } from 'node:worker_threads';
import type { FileDigest } from './manifest.ts';

/**
 * The worker: plain JavaScript (no loader needed), reading each file in turn through one
 * buffer at explicit positions (no garbage, so its heap stays small) into SHA-256.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, openSync, readSync } = require('node:fs');
const chunk = Buffer.allocUnsafe(${1 << 20});
parentPort.postMessage(workerData.map((path) => {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    let position = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, position);
      if (n === 0) break;
      hash.update(n === chunk.length ? chunk : chunk.subarray(0, n));
      position += n;
    }
    return { sha256: hash.digest('hex'), bytes: position };
  } finally {
    closeSync(fd);
  }
}));
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
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: [...files],
    execArgv: [],
    // It allocates next to nothing: a small heap keeps its share of the process's memory small.
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  const digests = new Promise<FileDigest[]>((resolve, reject) => {
    worker.once('message', (result: FileDigest[]) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`hashing ${files.join(', ')} stopped (worker exit ${code})`)));
  });
  // A cancelled hash is not waited for: its rejection must not surface as unhandled.
  digests.catch(() => undefined);
  return { digests, cancel: () => void worker.terminate() };
}
