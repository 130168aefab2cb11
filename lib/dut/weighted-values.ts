/**
 * A weighted draw of 16-bit values, for source ports and transaction IDs that are neither
 * fixed nor uniform: the biased generators the paper measured. Each choice is one value or
 * a range (every `step`-th value from `min` to `max`), picked with probability weight / the
 * sum of the weights, then a value uniformly within it. E.g. the LG television's 42.75 % of
 * queries on one port, the PetSafe feeder's three ports for 99 %, the Eufy chime's IDs in
 * 0x00–0x4F, the Arlo camera's and Yi camera's two adjacent IDs (σ ≈ 0.5).
 */
import { randomInt } from 'node:crypto';
import type { WeightedChoice } from '../profile/profile-types.ts';

/** How many values a choice holds. */
function size(choice: WeightedChoice): number {
  return 'value' in choice ? 1 : Math.floor((choice.max - choice.min) / (choice.step ?? 1)) + 1;
}

/** A generator following `choices` (at least one, weights > 0, min ≤ max: the profile loader checks). */
export function weightedValues(choices: readonly WeightedChoice[]): () => number {
  const total = choices.reduce((sum, c) => sum + c.weight, 0);
  return () => {
    let point = Math.random() * total;
    const choice = choices.find((c) => (point -= c.weight) < 0) ?? choices.at(-1)!;
    return 'value' in choice ? choice.value : choice.min + randomInt(0, size(choice)) * (choice.step ?? 1);
  };
}
