/**
 * A hash table from whole-number keys (0 to 2^53) to numbers or lists of numbers, in typed
 * arrays with open addressing: about 20 bytes an entry, where a `Map` takes some 60, for
 * tables of one entry per DNS query of a large capture.
 */
const EMPTY = -1;

export class NumberTable {
  private keys = new Float64Array(1024).fill(EMPTY);
  private values = new Float64Array(1024);
  private used = 0;
  /** Values that are lists: stored as -(index + 1). */
  private readonly lists: number[][] = [];

  get size(): number {
    return this.used;
  }

  private slot(key: number, keys: Float64Array): number {
    const mask = keys.length - 1;
    // Mix both halves of the key (a double holds 53 bits; `>>> 0` takes the low 32).
    let h = (key >>> 0) ^ Math.floor(key / 4294967296);
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    h ^= h >>> 16;
    let i = h & mask;
    while (keys[i] !== EMPTY && keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  get(key: number): number | number[] | undefined {
    const i = this.slot(key, this.keys);
    if (this.keys[i] === EMPTY) return undefined;
    const value = this.values[i]!;
    return value < 0 ? this.lists[-value - 1] : value;
  }

  /** Sets a non-negative number or a list (a list once set stays the key's list: push to it). */
  set(key: number, value: number | number[]): void {
    if (!(Number.isInteger(key) && key >= 0 && key <= Number.MAX_SAFE_INTEGER))
      throw new RangeError(`number table: ${key} is not a whole number key`);
    let i = this.slot(key, this.keys);
    if (this.keys[i] === EMPTY) {
      if ((this.used + 1) * 2 > this.keys.length) {
        this.grow();
        i = this.slot(key, this.keys);
      }
      this.keys[i] = key;
      this.used += 1;
    }
    if (typeof value === 'number') {
      if (!(value >= 0)) throw new RangeError(`number table: ${value} is not a value it holds`);
      this.values[i] = value;
    } else {
      const current = this.values[i]!;
      if (current < 0 && this.lists[-current - 1] === value) return;
      this.lists.push(value);
      this.values[i] = -this.lists.length;
    }
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2).fill(EMPTY);
    const values = new Float64Array(this.keys.length * 2);
    for (let i = 0; i < this.keys.length; i += 1) {
      const key = this.keys[i]!;
      if (key === EMPTY) continue;
      const j = this.slot(key, keys);
      keys[j] = key;
      values[j] = this.values[i]!;
    }
    this.keys = keys;
    this.values = values;
  }
}
