/**
 * Where each query's UDP source port comes from. The strategies reproduce what the paper
 * measured on real devices: one fixed port (Cosori air fryer, port 4096), a counter, a
 * small pool (PetSafe feeder: three ports), a uniform range, the kernel's choice, or a
 * weighted draw (LG television: 42.75 % of queries on one port).
 */
import { randomInt } from 'node:crypto';
import type { SourcePortStrategy } from '../profile/profile-types.ts';
import { weightedValues } from './weighted-values.ts';

/** Lowest port a sequential allocator wraps to (below are the well-known ports). */
const SEQUENTIAL_FLOOR = 1024;

/** Hands out each query's source port. */
export interface SourcePortAllocator {
  /** True when one socket serves every query (a fixed port). */
  readonly shared: boolean;
  /** The port for the next query; 0 lets the kernel choose. */
  next(): number;
}

/** An allocator following `strategy`; sequential ports wrap from 65535 back to 1024. */
export function sourcePortAllocator(strategy: SourcePortStrategy): SourcePortAllocator {
  switch (strategy.strategy) {
    case 'fixed':
      return { shared: true, next: () => strategy.port };
    case 'sequential': {
      const step = strategy.step ?? 1;
      let port = strategy.start - step;
      return {
        shared: false,
        next: () => {
          port += step;
          if (port > 65535) port = SEQUENTIAL_FLOOR + ((port - 65536) % (65536 - SEQUENTIAL_FLOOR));
          return port;
        },
      };
    }
    case 'pool': {
      let index = -1;
      return { shared: false, next: () => strategy.ports[(index = (index + 1) % strategy.ports.length)]! };
    }
    case 'random':
      return { shared: false, next: () => randomInt(strategy.min, strategy.max + 1) };
    case 'os':
      return { shared: false, next: () => 0 };
    case 'weighted':
      return { shared: false, next: weightedValues(strategy.choices) };
  }
}
