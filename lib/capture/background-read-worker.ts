/**
 * The worker of `background-read.ts`: reads the captures it is given into a sort and posts
 * back what it found, the sort handed over (see {@link MessageSorter.handOver}).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackgroundReadResult, BackgroundReadTask } from './background-read.ts';
import { readCaptureMessages } from './capture-evidence.ts';
import type { MessageSorter } from './message-sort.ts';

const { files, device, options } = workerData as BackgroundReadTask;
let result: BackgroundReadResult;
try {
  const read = await readCaptureMessages(files, device, options);
  result = {
    ok: true,
    files: read.files.map((f) => ({
      ...f,
      error: f.error === null ? null : { file: f.error.file, offset: f.error.offset, problem: f.error.problem },
    })),
    problems: read.problems,
    observations: read.observations,
    counters: read.counters,
    sort: (read.sorter as MessageSorter).handOver(),
  };
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  result = { ok: false, name: e.name, message: e.message, stack: e.stack };
}
// The records buffer is moved, not copied: nothing here uses it again.
parentPort!.postMessage(
  result,
  result.ok && result.sort.records !== null ? [result.sort.records.buffer as ArrayBuffer] : [],
);
