/**
 * Passive signs that a device validates DNSSEC (draft IOTDNS-D-VAL-2, paper Recommendation
 * #7), from any run or imported capture: whether its queries set DO (it wants signatures)
 * and CD (it validates itself and wants the bogus data too), whether it asks for the DNSKEY
 * and DS records along the chain of the names it uses (a validator needs them; a stub that
 * trusts its resolver's AD bit does not), and whether it speaks DNS over an encrypted,
 * server-authenticated transport (the only place the draft lets a stub trust AD). None of
 * these proves validation: only rejecting bogus answers does (dnssec-bogus); they are the
 * figures a check reports beside that.
 */
import type { Evidence } from '../evidence/evidence.ts';
import { normaliseName } from '../dns/names.ts';

/** Record types a validator asks for itself while building a chain of trust (RFC 4035 §5). */
const CHAIN_TYPES = new Set(['DNSKEY', 'DS']);

/** What the device's queries show about DNSSEC. */
export interface DnssecSigns {
  /** DNS queries of the device the evidence holds (all transports the harness read). */
  queries: number;
  /** Queries with the DO bit (RFC 3225), and their share (0–1). */
  doQueries: number;
  doShare: number;
  /** Queries with the CD bit (RFC 4035 §3.2.2), and their share (0–1). */
  cdQueries: number;
  cdShare: number;
  /** Queries for DNSKEY and for DS records. */
  dnskeyQueries: number;
  dsQueries: number;
  /** The (lower-cased) names the device asked DNSKEY or DS for, sorted. */
  chainNamesAsked: string[];
  /** Names the device used (asked anything but DNSKEY/DS for), and how many of them had DNSKEY or DS asked at themselves or an ancestor. */
  namesUsed: number;
  namesWithChainQueries: number;
  /** Queries the harness received over DoT or DoH: an encrypted transport whose server authenticates itself. */
  encryptedQueries: number;
  /** Encrypted DNS contacts a packet capture saw (servers the harness could not read), by protocol. */
  encryptedContacts: Record<string, number>;
}

/** The name and each of its ancestors up to the root (`a.b.c` → `a.b.c`, `b.c`, `c`, ``). */
function selfAndAncestors(name: string): string[] {
  const labels = name === '' ? [] : name.split('.');
  return labels.map((_, i) => labels.slice(i).join('.')).concat('');
}

/** The passive DNSSEC figures of device `dut` in `evidence`. */
export function dnssecSigns(evidence: Evidence, dut: string): DnssecSigns {
  let queries = 0;
  let doQueries = 0;
  let cdQueries = 0;
  let dnskeyQueries = 0;
  let dsQueries = 0;
  let encryptedQueries = 0;
  const chainNames = new Set<string>();
  const used = new Set<string>();
  evidence.eachQuery(dut, (query) => {
    queries += 1;
    if (query.edns?.do === true) doQueries += 1;
    if (query.flags.cd) cdQueries += 1;
    if (query.transport === 'dot' || query.transport === 'doh') encryptedQueries += 1;
    for (const question of query.questions) {
      const name = normaliseName(question.name);
      if (question.type === 'DNSKEY') dnskeyQueries += 1;
      if (question.type === 'DS') dsQueries += 1;
      if (CHAIN_TYPES.has(question.type)) chainNames.add(name);
      else used.add(name);
    }
  });
  const encryptedContacts: Record<string, number> = {};
  for (const contact of evidence.ofType('dns.encrypted-contact')) {
    if (contact.dut !== dut) continue;
    encryptedContacts[contact.protocol] = (encryptedContacts[contact.protocol] ?? 0) + contact.contacts;
  }
  const namesWithChainQueries = [...used].filter((name) =>
    selfAndAncestors(name).some((n) => chainNames.has(n)),
  ).length;
  return {
    queries,
    doQueries,
    doShare: queries === 0 ? 0 : doQueries / queries,
    cdQueries,
    cdShare: queries === 0 ? 0 : cdQueries / queries,
    dnskeyQueries,
    dsQueries,
    chainNamesAsked: [...chainNames].sort(),
    namesUsed: used.size,
    namesWithChainQueries,
    encryptedQueries,
    encryptedContacts,
  };
}
