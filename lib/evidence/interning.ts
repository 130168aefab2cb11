/**
 * String and value interning for the event store (`event-store.ts`): each distinct key gets
 * a small id once, so rows hold ids instead of repeated strings and objects. Consecutive
 * events mostly repeat the last keys or values, so the last two are checked before any map
 * lookup or serialisation.
 */

/** Deep-freezes a value built from JSON (so one copy can be shared by many events). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Whether `a` would be written as `b` is by `JSON.stringify` (`b` is a parsed, plain value):
 * the same keys in the same order, the same primitives. False also means "not sure".
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i += 1) {
    const key = keysA[i]!;
    if (key !== keysB[i] || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
      return false;
  }
  return true;
}

/** Interned keys with ids below a limit (the width of the fields holding them). */
export class Interner<K, V> {
  private readonly ids = new Map<K, number>();
  /** The values of the keys interned, by id. */
  readonly values: V[] = [];
  /** The two keys asked for last: consecutive events mostly repeat them. */
  private lastKey: K | undefined;
  private lastId = -1;
  private otherKey: K | undefined;
  private otherId = -1;

  /**
   * @param limit Ids available: a key beyond them gets none.
   * @param make The value kept for a new key (its id indexes {@link values}).
   */
  constructor(
    private readonly limit: number,
    private readonly make: (key: K) => V,
  ) {}

  /** The key's id, interning it when new; undefined when the ids are used up. */
  id(key: K): number | undefined {
    if (this.lastId >= 0 && key === this.lastKey) return this.lastId;
    if (this.otherId >= 0 && key === this.otherKey) {
      [this.lastKey, this.otherKey, this.lastId, this.otherId] = [
        this.otherKey,
        this.lastKey,
        this.otherId,
        this.lastId,
      ];
      return this.lastId;
    }
    let id = this.ids.get(key);
    if (id === undefined) {
      if (this.values.length >= this.limit) return undefined;
      id = this.values.length;
      this.values.push(this.make(key));
      this.ids.set(key, id);
    }
    this.otherKey = this.lastKey;
    this.otherId = this.lastId;
    this.lastKey = key;
    this.lastId = id;
    return id;
  }

  /** Keys interned. */
  get size(): number {
    return this.values.length;
  }
}

/**
 * Values interned by their JSON text, remembering the last two: a value that would be written
 * as one of them takes its id without being written out (consecutive events repeat them).
 */
export class ValueInterner {
  private readonly interner: Interner<string, unknown>;
  private last: { value: unknown; id: number } | undefined;
  private other: { value: unknown; id: number } | undefined;

  /** @param limit Ids available (the width of the field holding them). */
  constructor(limit: number) {
    this.interner = new Interner<string, unknown>(limit, parsed);
  }

  /** The values interned, by id: parsed from their JSON text and deep-frozen. */
  get values(): readonly unknown[] {
    return this.interner.values;
  }

  /** Values interned. */
  get size(): number {
    return this.interner.size;
  }

  /**
   * The id of the object of `source`'s own `keys` (in that order, those it has), built only
   * when it is not one of the last two.
   */
  idOfFields(source: object, keys: readonly string[]): number | undefined {
    const fields = source as Record<string, unknown>;
    if (ValueInterner.holds(this.last, fields, keys)) return this.last!.id;
    if (ValueInterner.holds(this.other, fields, keys)) {
      [this.last, this.other] = [this.other, this.last];
      return this.last!.id;
    }
    const value: Record<string, unknown> = {};
    for (const key of keys) if (Object.hasOwn(fields, key)) value[key] = fields[key];
    return this.id(value);
  }

  /** Whether the value remembered is the object of `fields`' own `keys` (in that order, those it has). */
  private static holds(
    remembered: { value: unknown } | undefined,
    fields: Record<string, unknown>,
    keys: readonly string[],
  ): boolean {
    if (remembered === undefined) return false;
    const value = remembered.value as Record<string, unknown>;
    for (const key of keys) {
      const has = Object.hasOwn(fields, key);
      if (has !== Object.hasOwn(value, key) || (has && !sameJson(fields[key], value[key]))) return false;
    }
    return true;
  }

  /** The id of the value written as `value` would be, or undefined when the ids are used up. */
  id(value: unknown): number | undefined {
    if (this.last !== undefined && sameJson(value, this.last.value)) return this.last.id;
    if (this.other !== undefined && sameJson(value, this.other.value)) {
      [this.last, this.other] = [this.other, this.last];
      return this.last!.id;
    }
    const id = this.interner.id(JSON.stringify(value) ?? 'undefined');
    if (id === undefined) return undefined;
    this.other = this.last;
    this.last = { value: this.interner.values[id], id };
    return id;
  }
}

/** A value interned by its JSON text: the parsed text, frozen (so one copy serves many events, as the log has it). */
const parsed = (key: string): unknown => deepFreeze(key === 'undefined' ? undefined : JSON.parse(key));
