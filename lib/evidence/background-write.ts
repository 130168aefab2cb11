/**
 * Writing a large file on a worker thread: the caller fills buffers that the worker writes
 * out in turn, hashing them on the way, so neither the write calls nor the SHA-256 of the
 * file take the caller's thread (`analyze` writes a 141 MB events file while it builds the
 * events, on the core that would otherwise wait). Hand-written because the caller fills the
 * buffers in a loop that never yields to the event loop: a stream or `fs.write` would not
 * get its callbacks until the loop ends, so the buffers are slots of a SharedArrayBuffer
 * handed over with Atomics.
 */
import { closeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { FileDigest } from './manifest.ts';

/** Slots the caller fills in turn. */
const SLOTS = 4;
/** Control words: the length handed over in each slot (0: free), then the end flag, the state and the message length. */
const END = SLOTS;
const STATE = SLOTS + 1;
const MESSAGE_LENGTH = SLOTS + 2;
const CONTROL_WORDS = SLOTS + 3;
/** {@link STATE}: still writing, done (the digest follows), failed (the message follows). */
const WRITING = 0;
const DONE = 1;
const FAILED = 2;
/** Room after the control words for the digest (hex) or the error message. */
const MESSAGE_BYTES = 4096;

/**
 * The worker: plain JavaScript (no loader needed). It waits for each slot in turn, hashes
 * and writes what it holds and frees it; at the end it syncs the file to disk. The caller,
 * which opened the file, closes it.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { fsyncSync, writeSync } = require('node:fs');
const { shared, fd, slotBytes } = workerData;
const control = new Int32Array(shared, 0, ${CONTROL_WORDS});
const message = Buffer.from(shared, ${CONTROL_WORDS * 4}, ${MESSAGE_BYTES});
const slots = Buffer.from(shared, ${CONTROL_WORDS * 4 + MESSAGE_BYTES});
const hash = createHash('sha256');
let bytes = 0;
let state = ${DONE};
let text = '';
try {
  for (let slot = 0; ; slot = (slot + 1) % ${SLOTS}) {
    while (Atomics.load(control, slot) === 0) {
      if (Atomics.load(control, ${END}) === 1 && Atomics.load(control, slot) === 0) break;
      Atomics.wait(control, slot, 0, 1000);
    }
    const length = Atomics.load(control, slot);
    if (length === 0) break;
    const data = slots.subarray(slot * slotBytes, slot * slotBytes + length);
    hash.update(data);
    for (let done = 0; done < length; ) done += writeSync(fd, data, done, length - done);
    bytes += length;
    Atomics.store(control, slot, 0);
    Atomics.notify(control, slot);
  }
  fsyncSync(fd);
  text = JSON.stringify({ sha256: hash.digest('hex'), bytes });
} catch (error) {
  state = ${FAILED};
  text = String(error && error.message || error);
}
const written = message.write(text.slice(0, ${MESSAGE_BYTES / 4}), 0, 'utf8');
Atomics.store(control, ${MESSAGE_LENGTH}, written);
Atomics.store(control, ${STATE}, state);
Atomics.notify(control, ${STATE});
`;

/** A file written by a worker thread from buffers the caller fills. */
export class BackgroundFileWriter {
  private readonly control: Int32Array;
  private readonly message: Buffer;
  private readonly slots: Buffer;
  private readonly worker: Worker;
  private slot = 0;
  private ended = false;

  /**
   * @param fd An open file descriptor, written from its current end; this writer closes it
   *   once the worker is done with it ({@link finish}, {@link abandon}).
   * @param slotBytes The size of each buffer handed over.
   */
  constructor(
    private readonly fd: number,
    readonly slotBytes: number,
  ) {
    const shared = new SharedArrayBuffer(CONTROL_WORDS * 4 + MESSAGE_BYTES + SLOTS * slotBytes);
    this.control = new Int32Array(shared, 0, CONTROL_WORDS);
    this.message = Buffer.from(shared, CONTROL_WORDS * 4, MESSAGE_BYTES);
    this.slots = Buffer.from(shared, CONTROL_WORDS * 4 + MESSAGE_BYTES);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { shared, fd, slotBytes },
      execArgv: [],
      // It allocates next to nothing (the hash, one error): a small heap keeps its share of the process's memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    });
    // Its failures are read from the shared state; the event itself would only repeat them.
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  /** The buffer to fill next: free once the worker has written what it held before. */
  buffer(): Buffer {
    while (Atomics.load(this.control, this.slot) !== 0) {
      this.failed();
      Atomics.wait(this.control, this.slot, Atomics.load(this.control, this.slot), 1000);
    }
    return this.slots.subarray(this.slot * this.slotBytes, (this.slot + 1) * this.slotBytes);
  }

  /** Hands over the first `length` bytes of the buffer {@link buffer} gave. */
  write(length: number): void {
    if (length === 0) return;
    Atomics.store(this.control, this.slot, length);
    Atomics.notify(this.control, this.slot);
    this.slot = (this.slot + 1) % SLOTS;
  }

  /** Waits until everything is written and synced to disk, and closes the file; its SHA-256 and size. */
  finish(): FileDigest {
    this.end();
    this.failed();
    return JSON.parse(this.text()) as FileDigest;
  }

  /** Stops writing (after a failure elsewhere): what was handed over is written, and the file closed. */
  abandon(): void {
    this.end();
  }

  /** Tells the worker there is no more, waits for it to be done with the file, and closes it. */
  private end(): void {
    if (this.ended) return;
    this.ended = true;
    Atomics.store(this.control, END, 1);
    for (let slot = 0; slot < SLOTS; slot += 1) Atomics.notify(this.control, slot);
    while (Atomics.load(this.control, STATE) === WRITING) Atomics.wait(this.control, STATE, WRITING, 1000);
    closeSync(this.fd);
  }

  private text(): string {
    return this.message.toString('utf8', 0, Atomics.load(this.control, MESSAGE_LENGTH));
  }

  /** Throws what the worker met, if it failed. */
  private failed(): void {
    if (Atomics.load(this.control, STATE) === FAILED) throw new Error(`writing in the background: ${this.text()}`);
  }
}
