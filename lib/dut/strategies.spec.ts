import { expect } from 'chai';
import { AnswerCache } from './answer-cache.ts';
import { sourcePortAllocator } from './source-ports.ts';
import { transactionIds } from './transaction-ids.ts';
import { weightedValues } from './weighted-values.ts';

const take = (next: () => number, n: number) => Array.from({ length: n }, next);

describe('dut/strategies', () => {
  it('source ports: fixed shares one socket, sequential counts and wraps, pool cycles, random stays in range', () => {
    const fixed = sourcePortAllocator({ strategy: 'fixed', port: 4096 });
    expect([fixed.shared, ...take(() => fixed.next(), 3)]).to.deep.equal([true, 4096, 4096, 4096]);
    const sequential = sourcePortAllocator({ strategy: 'sequential', start: 65534, step: 1 });
    expect(take(() => sequential.next(), 4)).to.deep.equal([65534, 65535, 1024, 1025]);
    const pool = sourcePortAllocator({ strategy: 'pool', ports: [5000, 5001, 5002] });
    expect(take(() => pool.next(), 4)).to.deep.equal([5000, 5001, 5002, 5000]);
    const random = take(() => sourcePortAllocator({ strategy: 'random', min: 49152, max: 49160 }).next(), 500);
    expect(Math.min(...random)).to.equal(49152);
    expect(Math.max(...random)).to.equal(49160);
    expect(sourcePortAllocator({ strategy: 'os' }).next()).to.equal(0);
  });

  it('transaction IDs: constant, counter with wrap-around, random over the whole 16-bit space', () => {
    expect(take(transactionIds({ strategy: 'constant', value: 7 }), 3)).to.deep.equal([7, 7, 7]);
    expect(take(transactionIds({ strategy: 'counter', start: 65534, step: 1 }), 4)).to.deep.equal([65534, 65535, 0, 1]);
    const random = take(transactionIds({ strategy: 'random' }), 2000);
    expect(new Set(random).size).to.be.above(1900);
    expect(Math.max(...random)).to.be.above(60000);
    expect(Math.min(...random)).to.be.below(5000);
  });

  it('weighted draws: each choice by its weight, a value or every step-th value of a range; ports and IDs both take them', () => {
    const draws = take(
      weightedValues([
        { weight: 42.75, value: 49200 },
        { weight: 57.25, min: 50000, max: 50090, step: 10 },
      ]),
      20_000,
    );
    const share = draws.filter((d) => d === 49200).length / draws.length;
    expect(share).to.be.within(0.4, 0.455);
    const rest = new Set(draws.filter((d) => d !== 49200));
    expect([...rest].sort((a, b) => a - b)).to.deep.equal([
      50000, 50010, 50020, 50030, 50040, 50050, 50060, 50070, 50080, 50090,
    ]);
    // Two adjacent IDs half and half: the σ ≈ 0.5 the paper measured on the Arlo Pro 4 and the Yi camera.
    const ids = take(
      transactionIds({ strategy: 'weighted', choices: [{ weight: 1, min: 0x2a10, max: 0x2a11 }] }),
      4000,
    );
    const mean = ids.reduce((a, b) => a + b, 0) / ids.length;
    expect(Math.sqrt(ids.reduce((a, b) => a + (b - mean) ** 2, 0) / ids.length)).to.be.within(0.49, 0.51);
    const ports = sourcePortAllocator({
      strategy: 'weighted',
      choices: [
        { weight: 1, value: 40001 },
        { weight: 3, min: 40002, max: 40003 },
      ],
    });
    expect(ports.shared).to.equal(false);
    expect(new Set(take(() => ports.next(), 200))).to.deep.equal(new Set([40001, 40002, 40003]));
  });

  it('answer cache: honour keeps the TTL, clamp bounds it, ignore keeps nothing; entries expire', () => {
    let now = 0;
    const honour = new AnswerCache({ mode: 'honour' }, () => now);
    expect(honour.store('A.example', 'A', { addresses: ['127.0.0.9'], negative: false }, 5)).to.equal(5);
    expect(honour.lookup('a.example', 'A')?.addresses, 'names match case-insensitively').to.deep.equal(['127.0.0.9']);
    expect(honour.lookup('a.example', 'AAAA')).to.equal(undefined);
    now = 5000;
    expect(honour.lookup('a.example', 'A'), 'expired at the TTL').to.equal(undefined);
    const clamp = new AnswerCache({ mode: 'clamp', min: 30, max: 3600 });
    expect([clamp.lifetime(0), clamp.lifetime(300), clamp.lifetime(1e9)]).to.deep.equal([30, 300, 3600]);
    const ignore = new AnswerCache({ mode: 'ignore' });
    expect(ignore.store('a.example', 'A', { addresses: [], negative: false }, 300)).to.equal(0);
    expect(ignore.lookup('a.example', 'A')).to.equal(undefined);
  });
});
