import { expect } from 'chai';
import { lookupStarts } from './lookup-draws.ts';
import type { DrawQuery } from './lookup-draws.ts';

const SECOND = 1_000_000;
const q = (t: number, port: number, name: string, type: string): DrawQuery => ({ t, port, name, type });

describe('lookupStarts', () => {
  it('counts A and AAAA for one name from one port, microseconds apart, as one lookup (glibc, musl)', () => {
    expect(
      lookupStarts(
        [q(0, 40000, 'a.example', 'A'), q(20, 40000, 'a.example', 'AAAA'), q(SECOND / 10, 41000, 'b.example', 'A')],
        SECOND,
      ),
    ).to.deep.equal([0, 2]);
  });

  it('matches names case-insensitively (0x20 encoding) and keeps lookups of one port apart by name', () => {
    expect(
      lookupStarts([q(0, 5, 'A.example', 'A'), q(1, 5, 'a.EXAMPLE', 'AAAA'), q(2, 5, 'b.example', 'AAAA')], SECOND),
    ).to.deep.equal([0, 2]);
  });

  it('makes a repeated type (a retry, a fixed-port stub asking again) and anything past the window a new lookup', () => {
    // The second A repeats a type; the AAAA comes 2 s on; the A after it completes that lookup.
    const fixed = [
      q(0, 4096, 'a.example', 'A'),
      q(10, 4096, 'a.example', 'A'),
      q(2 * SECOND, 4096, 'a.example', 'AAAA'),
      q(2 * SECOND + 5, 4096, 'a.example', 'A'),
      q(2 * SECOND + 9, 4096, 'a.example', 'A'),
    ];
    expect(lookupStarts(fixed, SECOND)).to.deep.equal([0, 1, 2, 4]);
  });

  it('with a window of 0 counts only simultaneous queries together', () => {
    expect(
      lookupStarts(
        [
          q(0, 7, 'a.example', 'A'),
          q(0, 7, 'a.example', 'AAAA'),
          q(1, 7, 'b.example', 'A'),
          q(2, 7, 'b.example', 'AAAA'),
        ],
        0,
      ),
    ).to.deep.equal([0, 2, 3]);
  });

  it('lets go of old lookups over a long sample and still groups the new ones', () => {
    const queries = Array.from({ length: 20_000 }, (_, i) =>
      q(
        Math.floor(i / 2) * SECOND,
        1024 + (Math.floor(i / 2) % 50_000),
        `n${Math.floor(i / 2)}.example`,
        i % 2 === 0 ? 'A' : 'AAAA',
      ),
    );
    expect(lookupStarts(queries, SECOND)).to.have.length(10_000);
  });
});
