import { expect } from 'chai';
import { expectedDistinct, oarcClass, randomnessStats } from './randomness.ts';

describe('randomnessStats', () => {
  it('grades a constant port as σ 0, POOR, one value with the whole share', () => {
    const stats = randomnessStats(
      Array.from({ length: 120 }, () => 4096),
      { space: 16384 },
    );
    expect(stats).to.include({
      n: 120,
      stdev: 0,
      bits: 0,
      class: 'POOR',
      distinct: 1,
      top: 4096,
      topCount: 120,
      topShare: 1,
      sequentialShare: 0,
      min: 4096,
      max: 4096,
    });
    expect(stats.distinctRatio).to.be.closeTo(1 / 120, 1e-12);
  });

  it('grades the uniform grid 0..65535 as σ ≈ 18918, GREAT, 16 bits', () => {
    const grid = Array.from({ length: 65536 }, (_, i) => i);
    const stats = randomnessStats(grid, { space: 65536 });
    // Population σ of a discrete uniform on N values: sqrt((N² − 1) / 12).
    expect(stats.stdev).to.be.closeTo(Math.sqrt((65536 ** 2 - 1) / 12), 1e-6);
    expect(stats.stdev).to.be.closeTo(18918.6, 0.1);
    expect(stats.class).to.equal('GREAT');
    expect(stats.bits).to.be.closeTo(16, 1e-6);
    expect(stats).to.include({ distinct: 65536, distinctRatio: 1, top: 0, topCount: 1, min: 0, max: 65535 });
    // The grid in order is a +1 counter.
    expect(stats.sequentialShare).to.equal(1);
  });

  it('sees a +1 counter as fully sequential, across the 16-bit wrap too', () => {
    const counter = Array.from({ length: 50 }, (_, i) => (65520 + i) % 65536);
    expect(randomnessStats(counter, { space: 65536 }).sequentialShare).to.equal(1);
    const downward = Array.from({ length: 20 }, (_, i) => 1000 - 16 * i);
    expect(randomnessStats(downward, { space: 65536 }).sequentialShare).to.equal(1);
  });

  it('computes a small example by hand', () => {
    // Values 10, 20, 20, 60: mean 27.5, squared deviations 306.25 + 56.25 + 56.25 + 1056.25 = 1475, σ² = 368.75.
    const stats = randomnessStats([10, 20, 20, 60], { space: 100 });
    expect(stats.stdev).to.be.closeTo(Math.sqrt(368.75), 1e-12);
    expect(stats.bits).to.be.closeTo(Math.log2(Math.sqrt(368.75) * Math.sqrt(12)), 1e-12);
    expect(stats).to.include({
      n: 4,
      class: 'POOR',
      distinct: 3,
      distinctRatio: 0.75,
      top: 20,
      topCount: 2,
      topShare: 0.5,
      min: 10,
      max: 60,
    });
    // Steps 10, 0, 40: only the first is within 1..16.
    expect(stats.sequentialShare).to.be.closeTo(1 / 3, 1e-12);
    // 100·(1 − 0.99⁴) = 3.940399
    expect(stats.expectedDistinct).to.be.closeTo(3.940399, 1e-9);
  });

  it('breaks ties for the top value towards the smallest value', () => {
    expect(randomnessStats([9, 3, 9, 3, 7], { space: 16 })).to.include({ top: 3, topCount: 2 });
  });

  it('returns zero figures and null extremes for an empty sample', () => {
    expect(randomnessStats([], { space: 65536 })).to.deep.equal({
      n: 0,
      stdev: 0,
      bits: 0,
      class: 'POOR',
      distinct: 0,
      distinctRatio: 0,
      expectedDistinct: 0,
      top: null,
      topCount: 0,
      topShare: 0,
      sequentialShare: 0,
      min: null,
      max: null,
    });
  });

  it('gives 0 bits when σ·√12 is below one value', () => {
    const nearlyConstant = [...Array.from({ length: 999 }, () => 5), 6];
    const stats = randomnessStats(nearlyConstant, { space: 65536 });
    expect(stats.stdev).to.be.greaterThan(0);
    expect(stats.bits).to.equal(0);
  });
});

describe('oarcClass', () => {
  it('uses the DNS-OARC boundaries 296 and 3980', () => {
    expect(oarcClass(0)).to.equal('POOR');
    expect(oarcClass(295.99)).to.equal('POOR');
    expect(oarcClass(296)).to.equal('GOOD');
    expect(oarcClass(3979.99)).to.equal('GOOD');
    expect(oarcClass(3980)).to.equal('GREAT');
  });
});

describe('expectedDistinct', () => {
  it('is n for one draw and approaches the space for many', () => {
    expect(expectedDistinct(1, 16384)).to.be.closeTo(1, 1e-12);
    expect(expectedDistinct(2, 2)).to.be.closeTo(1.5, 1e-12);
    expect(expectedDistinct(1e6, 16384)).to.be.closeTo(16384, 1e-6);
  });

  it('rejects an empty space', () => {
    expect(() => expectedDistinct(10, 0)).to.throw(RangeError);
  });
});
