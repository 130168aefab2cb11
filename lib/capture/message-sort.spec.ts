import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtractedDnsMessage } from './dns-extract.ts';
import { MessageSorter } from './message-sort.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsconform-message-sort-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic pseudo-random sequence (the sort must not depend on luck). */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function messages(count: number, seed: number, bigEvery = 0): ExtractedDnsMessage[] {
  const random = lcg(seed);
  return Array.from({ length: count }, (_, i) => ({
    file: i % 3 === 0 ? '/captures/a.pcap' : '/captures/b.pcapng',
    frame: i + 1,
    // Few distinct times, so ties are common and arrival order must break them.
    timestamp: 1_700_000_000_000_000 + Math.floor(random() * 50) * 1000,
    fromDevice: random() < 0.5,
    transport: random() < 0.8 ? ('udp' as const) : ('tcp' as const),
    client: { address: random() < 0.5 ? '192.0.2.10' : '2001:db8::a', port: Math.floor(random() * 65536) },
    server: { address: '192.0.2.1', port: 53 },
    bytes: Buffer.alloc(bigEvery > 0 && i % bigEvery === 0 ? 200_000 : 12 + Math.floor(random() * 60), i % 251),
  }));
}

/** What the in-memory sort of the readers gave: by timestamp, then arrival. */
function expected(input: readonly ExtractedDnsMessage[]): ExtractedDnsMessage[] {
  return input
    .map((m, order) => ({ m, order }))
    .sort((a, b) => a.m.timestamp - b.m.timestamp || a.order - b.order)
    .map(({ m }) => m);
}

function sortAll(
  input: readonly ExtractedDnsMessage[],
  chunkBytes: number,
): { sorted: ExtractedDnsMessage[]; runs: number } {
  const sorter = new MessageSorter({ chunkBytes, tempDir: dir });
  for (const message of input) sorter.push(message);
  const runs = sorter.spilledRuns;
  // A message's bytes are valid until the next is taken: keep copies.
  return { sorted: Array.from(sorter.sorted(), (m) => ({ ...m, bytes: Buffer.from(m.bytes) })), runs };
}

describe('capture/message-sort', () => {
  it('gives time order with arrival breaking ties, in memory and through many sorted runs on disk', () => {
    const input = messages(2000, 7);
    const inMemory = sortAll(input, 8 << 20);
    expect(inMemory.runs).to.equal(0);
    expect(inMemory.sorted).to.deep.equal(expected(input));
    const spilled = sortAll(input, 4096);
    expect(spilled.runs).to.be.greaterThan(20);
    expect(spilled.sorted).to.deep.equal(expected(input));
    expect(readdirSync(dir)).to.deep.equal([], 'the run file is removed when the iteration ends');
  });

  it('carries messages larger than a read window', () => {
    const input = messages(120, 11, 17);
    const { sorted, runs } = sortAll(input, 64 << 10);
    expect(runs).to.be.greaterThan(2);
    expect(sorted).to.deep.equal(expected(input));
  });

  it('removes its temporary file on close without iterating', () => {
    const sorter = new MessageSorter({ chunkBytes: 1024, tempDir: dir });
    for (const message of messages(200, 3)) sorter.push(message);
    expect(sorter.spilledRuns).to.be.greaterThan(0);
    expect(readdirSync(dir)).to.have.length(1);
    sorter.close();
    expect(readdirSync(dir)).to.deep.equal([]);
  });
});
