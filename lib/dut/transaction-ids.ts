/** Where each query's transaction ID comes from: constant, a counter, crypto-random (RFC 5452), or a weighted draw. */
import { randomInt } from 'node:crypto';
import type { TxidStrategy } from '../profile/profile-types.ts';
import { weightedValues } from './weighted-values.ts';

/** A generator of transaction IDs (0..65535) following `strategy`. */
export function transactionIds(strategy: TxidStrategy): () => number {
  switch (strategy.strategy) {
    case 'constant':
      return () => strategy.value;
    case 'counter': {
      const step = strategy.step ?? 1;
      let id = strategy.start - step;
      return () => (id = (((id + step) % 65536) + 65536) % 65536);
    }
    case 'random':
      return () => randomInt(0, 65536);
    case 'weighted':
      return weightedValues(strategy.choices);
  }
}
