/** What specs building evidence events by hand share. */
import type { DnsFlags } from './events.ts';

/**
 * The header flags of an ordinary recursive query (RD set, everything else clear, NOERROR).
 * Frozen, as every spec shares it: spread it and change what a case needs.
 */
export const QUERY_FLAGS: Readonly<DnsFlags> = Object.freeze({
  qr: false,
  opcode: 'QUERY',
  aa: false,
  tc: false,
  rd: true,
  ra: false,
  z: false,
  ad: false,
  cd: false,
  rcode: 'NOERROR',
});
