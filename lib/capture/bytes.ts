/**
 * Big-endian reads for the per-frame header decoders. Buffer's own `readUInt16BE` and
 * friends check their argument at every call, which showed in the profile of a reader
 * that decodes millions of headers; these index the bytes directly (the decoders check
 * every offset against the frame's end before reading).
 */

/** Unsigned 16-bit big-endian at `at`. */
export function u16be(data: Uint8Array, at: number): number {
  return (data[at]! << 8) | data[at + 1]!;
}

/** Unsigned 32-bit big-endian at `at`. */
export function u32be(data: Uint8Array, at: number): number {
  return data[at]! * 0x1000000 + ((data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!);
}
