/**
 * Memoised text of small binary values (MAC and IPv4 addresses). A capture holds few
 * distinct addresses but formats two of each per frame; building those strings anew was
 * the largest single cost of reading (bench/README.md). Bounded: cleared when full, so a
 * capture with millions of distinct addresses costs time, never memory.
 */
export class TextCache {
  private readonly texts = new Map<number, string>();

  constructor(private readonly limit = 1 << 16) {}

  /** The text for `key`, made by `make` the first time. */
  get(key: number, make: () => string): string {
    let text = this.texts.get(key);
    if (text === undefined) {
      if (this.texts.size >= this.limit) this.texts.clear();
      text = make();
      this.texts.set(key, text);
    }
    return text;
  }
}
