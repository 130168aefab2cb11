import { expect } from 'chai';
import { firstAbove, firstAtOrAbove } from './binary-search.ts';

/** Every ascending array of length 0..`maxLength` over the values 0..`top`. */
function ascendingArrays(maxLength: number, top: number): number[][] {
  const arrays: number[][] = [[]];
  let previous: number[][] = [[]];
  for (let length = 1; length <= maxLength; length += 1) {
    previous = previous.flatMap((array) =>
      Array.from({ length: top + 1 - (array.at(-1) ?? 0) }, (_, k) => [...array, (array.at(-1) ?? 0) + k]),
    );
    arrays.push(...previous);
  }
  return arrays;
}

describe('analysis/binary-search', () => {
  it('finds nothing in an empty array: both give 0', () => {
    expect(firstAbove([], 5)).to.equal(0);
    expect(firstAtOrAbove([], 5)).to.equal(0);
  });

  it('gives the length when every element is below the value', () => {
    expect(firstAbove([1, 2, 3], 4)).to.equal(3);
    expect(firstAtOrAbove([1, 2, 3], 4)).to.equal(3);
  });

  it('gives 0 when every element is above the value', () => {
    expect(firstAbove([5, 6, 7], 4)).to.equal(0);
    expect(firstAtOrAbove([5, 6, 7], 4)).to.equal(0);
  });

  it('passes over equal keys for firstAbove and stops at the first of them for firstAtOrAbove', () => {
    const sorted = [1, 3, 3, 3, 5];
    expect(firstAbove(sorted, 3)).to.equal(4);
    expect(firstAtOrAbove(sorted, 3)).to.equal(1);
    // All equal: everything is at the value, nothing above it.
    expect(firstAbove([2, 2, 2], 2)).to.equal(3);
    expect(firstAtOrAbove([2, 2, 2], 2)).to.equal(0);
  });

  it('searches typed arrays as plain ones (passive-metrics keeps its seqs in a Uint32Array)', () => {
    const sorted = Uint32Array.of(1, 3, 3, 3, 5);
    expect(firstAbove(sorted, 3)).to.equal(4);
    expect(firstAtOrAbove(sorted, 3)).to.equal(1);
    expect(firstAtOrAbove(sorted.subarray(0, 2), 4)).to.equal(2);
  });

  it('agrees with a linear scan on every ascending array of up to 6 elements over 0..4, for every value around them', () => {
    const arrays = ascendingArrays(6, 4);
    expect(arrays.length, 'arrays enumerated').to.equal(462);
    for (const sorted of arrays)
      for (let value = -1; value <= 5; value += 0.5) {
        const above = sorted.findIndex((x) => x > value);
        const atOrAbove = sorted.findIndex((x) => x >= value);
        expect(firstAbove(sorted, value), `firstAbove([${sorted}], ${value})`).to.equal(
          above === -1 ? sorted.length : above,
        );
        expect(firstAtOrAbove(sorted, value), `firstAtOrAbove([${sorted}], ${value})`).to.equal(
          atOrAbove === -1 ? sorted.length : atOrAbove,
        );
      }
  });
});
