import { expect } from 'chai';
import { NumberTable } from './number-table.ts';

describe('capture/number-table', () => {
  it('holds what a Map holds, through growth, with keys up to 2^53 and lists', () => {
    const table = new NumberTable();
    const map = new Map<number, number | number[]>();
    let state = 12345;
    const next = () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state;
    };
    for (let i = 0; i < 50_000; i += 1) {
      // Keys alike in their low 32 bits, and keys near 2^53.
      const key =
        i % 3 === 0
          ? (next() % 64) * 4294967296 + 7
          : i % 3 === 1
            ? Number.MAX_SAFE_INTEGER - (next() % 1000)
            : next() % 100_000;
      const known = map.get(key);
      if (known === undefined || i % 5 === 0) {
        table.set(key, i);
        map.set(key, i);
      } else if (typeof known === 'number') {
        const list = [known, i];
        table.set(key, list);
        map.set(key, list);
      } else {
        // The list handed out is the one held: pushing to it is setting.
        (table.get(key) as number[]).push(i);
      }
      expect(table.get(key)).to.deep.equal(map.get(key));
    }
    expect(table.size).to.equal(map.size);
    for (const [key, value] of map) expect(table.get(key), String(key)).to.deep.equal(value);
    expect(table.get(42.5)).to.equal(undefined);
    expect(() => table.set(-1, 0)).to.throw(RangeError);
  });
});
