/**
 * Letting sockets read what the kernel already holds for them before they close (a closed
 * socket discards it unseen), for as long as reading gets anywhere. The limit is in turns of
 * the event loop, not in seconds: every turn polls the sockets, so a queue that no turn reads
 * from is not being read at all, while a loaded machine makes the turns slower, never fewer.
 * A wall-clock limit (2 s) left 13 kB of queries unread at the end of a fleet run at load
 * 40-67: the harness had hardly run in those 2 s.
 */

/** A socket being drained: how many datagrams it has read so far. */
export interface DrainTarget {
  readonly received: number;
}

export interface DrainOptions {
  /** The bytes each target's kernel queue holds now, in target order. */
  queued(): readonly number[];
  /** One turn of the event loop (the sockets read meanwhile). */
  pause(): Promise<void>;
  /** Turns in a row that read nothing, with bytes still queued, before giving up on them. */
  idleTurns: number;
  /** Turns at most while datagrams keep coming as fast as they are read (a hang guard). */
  maxTurns: number;
}

/** Turns without a datagram read before a drain gives up on what is still queued. */
export const DRAIN_IDLE_TURNS = 50;
/** Turns a drain takes at most. */
export const DRAIN_MAX_TURNS = 5000;

/** Drains `targets`; resolves with the bytes each still held when it stopped (all 0 when drained). */
export async function drain(targets: readonly DrainTarget[], options: DrainOptions): Promise<number[]> {
  const read = () => targets.reduce((sum, target) => sum + target.received, 0);
  let lastRead = read();
  let idle = 0;
  for (let turn = 0; ; turn += 1) {
    const queued = [...options.queued()];
    if (queued.every((bytes) => bytes === 0)) return queued;
    const now = read();
    idle = now > lastRead ? 0 : idle + 1;
    lastRead = now;
    if (idle >= options.idleTurns || turn >= options.maxTurns) return queued;
    await options.pause();
  }
}
