/**
 * Which DUT an address belongs to. The resolver answers declared DUT addresses only:
 * anything else is REFUSED and logged, so the harness is never an open resolver.
 */
import { isIP } from 'node:net';

/**
 * Canonical text form: IPv4-mapped IPv6 (`::ffff:127.0.0.1`, or `::ffff:7f00:1` as a decoded
 * AAAA record writes it) becomes IPv4, IPv6 lower-case.
 */
export function canonicalAddress(address: string): string {
  // IPv4 text is canonical already; this runs once per datagram, floods included.
  if (!address.includes(':')) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex?.[1] && hex[2]) {
    const [high, low] = [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16)];
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return address.toLowerCase();
}

export class AccessList {
  private readonly owners = new Map<string, string>();

  /** Declares the addresses of a DUT; an address declared twice is a configuration error. */
  declare(dutId: string, addresses: readonly string[]): void {
    for (const raw of addresses) {
      if (isIP(raw) === 0) throw new Error(`DUT ${dutId}: "${raw}" is not an IP address`);
      const address = canonicalAddress(raw);
      const owner = this.owners.get(address);
      if (owner && owner !== dutId) throw new Error(`address ${address} is declared by both ${owner} and ${dutId}`);
      this.owners.set(address, dutId);
    }
  }

  /** The DUT owning an address, or null for an undeclared host. */
  ownerOf(address: string): string | null {
    return this.owners.get(canonicalAddress(address)) ?? null;
  }
}
