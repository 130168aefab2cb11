import { expect } from 'chai';
import { drain } from './drain.ts';

/** A socket whose queue shrinks by `perTurn` datagrams (of 100 bytes) a turn, `stalled` turns excepted. */
function socket(datagrams: number, perTurn: number, stalled: ReadonlySet<number> = new Set()) {
  const s = { received: 0, left: datagrams, turn: 0 };
  const pause = async () => {
    // A turn on a loaded machine: slow, but it reads.
    await new Promise((r) => setTimeout(r, 25));
    if (!stalled.has(s.turn)) {
      const read = Math.min(perTurn, s.left);
      s.left -= read;
      s.received += read;
    }
    s.turn += 1;
  };
  return { s, options: { queued: () => [s.left * 100], pause, idleTurns: 5, maxTurns: 1000 } };
}

describe('resolver/drain: what the kernel holds is read before a socket closes', () => {
  it('goes on while reading gets anywhere, however long the turns take (here 3 s, past the old 2 s limit)', async () => {
    const { s, options } = socket(120, 1, new Set([3, 4, 5, 6]));
    const started = Date.now();
    expect(await drain([s], options)).to.deep.equal([0]);
    expect(s.received).to.equal(120);
    expect(Date.now() - started).to.be.above(2000);
  });

  it('gives up after idleTurns turns that read nothing, and says what is still queued', async () => {
    const { s, options } = socket(10, 1, new Set([2, 3, 4, 5, 6, 7, 8, 9]));
    expect(await drain([s], options)).to.deep.equal([800]);
    expect(s.turn).to.equal(2 + 5);
  });

  it('stops at maxTurns while datagrams keep coming as fast as they are read', async () => {
    const s = { received: 0 };
    const options = {
      queued: () => [100],
      pause: async () => {
        s.received += 1;
      },
      idleTurns: 5,
      maxTurns: 8,
    };
    expect(await drain([s], options)).to.deep.equal([100]);
    expect(s.received).to.equal(8);
  });
});
