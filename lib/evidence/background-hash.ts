/**
 * SHA-256 of large files on a worker thread, so hashing gigabytes of capture runs beside
 * reading them instead of after. The digests are those of {@link hashFile}.
 */
import { Worker } from 'node:worker_threads';
import type { FileDigest } from './manifest.ts';

/** The worker: plain JavaScript (no loader needed), streaming the files through SHA-256 in turn. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
(async () => {
  const digests = [];
  for (const path of workerData) {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: ${1 << 20} })) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    digests.push({ sha256: hash.digest('hex'), bytes });
  }
  parentPort.postMessage(digests);
})();
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
