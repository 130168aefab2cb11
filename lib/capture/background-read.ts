/**
 * Reading captures on a worker thread: {@link readCaptures}' reading half (frames, headers,
 * the device's DNS messages into the sort) runs beside whatever the main thread does
 * meanwhile (`analyze` loads its judging and reporting modules), and the sorted messages
 * are handed back through the sort's run file, or as one buffer when they fitted in memory.
 * The result is the {@link CaptureRead} that {@link readCaptures} returns for the same files.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { captureRead } from './capture-evidence.ts';
import type { CaptureDevice, CaptureFileSummary, CaptureRead, ReadCapturesOptions } from './capture-evidence.ts';
import { CaptureFormatError } from './capture-format-error.ts';
import type { ExtractionSummary } from './dns-extract.ts';
import { MessageSorter } from './message-sort.ts';
import type { SortHandover } from './message-sort.ts';
import type { PacketCounters } from './packets.ts';

/** What the worker is given. */
export interface BackgroundReadTask {
  files: string[];
  device: CaptureDevice;
  options: ReadCapturesOptions;
}

/** A capture fault as plain data (a class does not survive the thread boundary). */
interface FaultData {
  file: string;
  offset: number;
  problem: string;
}

/** What the worker posts back: what it read, or why it could not. */
export type BackgroundReadResult =
  | {
      ok: true;
      files: (Omit<CaptureFileSummary, 'error'> & { error: FaultData | null })[];
      problems: string[];
      observations: ExtractionSummary;
      counters: PacketCounters;
      sort: SortHandover;
    }
  | { ok: false; name: string; message: string; stack: string | undefined };

/**
 * The ES module of tsx's `register` (`tsx/esm/api`), found through tsx's package.json: under
 * mocha this module may itself run as CommonJS (no import.meta.resolve), and require would
 * resolve the CommonJS build. (`node --import tsx` registers nothing on a worker of Node 20.)
 */
function tsxRegisterModule(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return pathToFileURL(join(dirname(manifest), exports['./esm/api'].import.default)).href;
}

/**
 * Starts the worker's module, beside this one: the compiled JavaScript when this runs
 * compiled, else the TypeScript source through tsx, registered in the worker first (a
 * worker does not inherit a loader registered at run time, as bin/dnsconform.js does it).
 */
function startWorker(task: BackgroundReadTask): Worker {
  const source = import.meta.url.endsWith('.ts');
  const entry = new URL(`./background-read-worker.${source ? 'ts' : 'js'}`, import.meta.url).href;
  const register = source ? `(await import(${JSON.stringify(tsxRegisterModule())})).register();` : '';
  return new Worker(`(async () => { ${register} await import(${JSON.stringify(entry)}); })();`, {
    eval: true,
    workerData: task,
    // No loader flags: what the module needs it registers itself.
    execArgv: [],
    // The reading makes short-lived objects only (the sort copies what it keeps): a small young generation keeps its heap small.
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
}

/**
 * {@link readCaptures} with the reading on a worker thread. The main thread stays free
 * until the messages are read; building the events ({@link CaptureRead.events}) runs on it.
 */
export function readCapturesInBackground(
  files: readonly string[],
  device: CaptureDevice,
  options: ReadCapturesOptions = {},
): Promise<CaptureRead> {
  // The sort's run file goes under a directory this thread owns, so it is removed even if the worker is stopped mid-way.
  const owned = mkdtempSync(join(options.sortTempDir ?? tmpdir(), 'dnsconform-read-'));
  const removeOwned = () => rmSync(owned, { recursive: true, force: true });
  const worker = startWorker({ files: [...files], device: { ...device }, options: { ...options, sortTempDir: owned } });
  return new Promise<CaptureRead>((resolve, reject) => {
    const fail = (error: Error) => {
      removeOwned();
      reject(error);
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`reading ${files.join(', ')} stopped (worker exit ${code})`)));
    worker.once('message', (result: BackgroundReadResult) => {
      worker.removeAllListeners('exit');
      if (!result.ok) {
        const error = new Error(result.message);
        error.name = result.name;
        if (result.stack !== undefined) error.stack = result.stack;
        return fail(error);
      }
      const sorter = MessageSorter.takeOver(result.sort);
      const read = captureRead(
        {
          files: result.files.map((f) => ({
            ...f,
            error: f.error === null ? null : new CaptureFormatError(f.error.file, f.error.offset, f.error.problem),
          })),
          problems: result.problems,
          observations: result.observations,
          counters: result.counters,
          sorter,
        },
        device,
        options,
      );
      resolve({
        ...read,
        close: () => {
          read.close();
          removeOwned();
        },
      });
    });
  });
}
