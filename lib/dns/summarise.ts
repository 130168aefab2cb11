/**
 * Turns decoded messages into the evidence vocabulary of `lib/evidence/events.ts`:
 * flags, questions, the OPT record, and records in presentation form.
 */
import type { Answer, DnskeyData, DsData, NsecData, OptAnswer, RrsigData } from 'dns-packet';
import type { DnsFlags, DnsQuestion, EdnsSummary, RecordSummary } from '../evidence/events.ts';
import type { DecodedMessage } from './codec.ts';
import { decodeSvcb, isSvcbType, presentSvcb } from './svcb.ts';

/** A type's mnemonic; dns-packet calls the types it does not know `UNKNOWN_n`. */
export function typeName(type: string): string {
  return isSvcbType(type) ? 'SVCB' : type;
}

/** EDNS(0) option names by code (IANA "DNS EDNS0 Option Codes"). */
export const EDNS_OPTION_NAMES: Record<number, string> = {
  3: 'NSID',
  8: 'CLIENT_SUBNET',
  9: 'EXPIRE',
  10: 'COOKIE',
  11: 'TCP_KEEPALIVE',
  12: 'PADDING',
  13: 'CHAIN',
  14: 'KEY_TAG',
  15: 'EXTENDED_DNS_ERROR',
};

export function summariseFlags(message: DecodedMessage): DnsFlags {
  return {
    qr: message.flag_qr,
    opcode: message.opcode,
    aa: message.flag_aa,
    tc: message.flag_tc,
    rd: message.flag_rd,
    ra: message.flag_ra,
    z: message.flag_z,
    ad: message.flag_ad,
    cd: message.flag_cd,
    rcode: message.rcode,
  };
}

export function summariseQuestions(message: DecodedMessage): DnsQuestion[] {
  return (message.questions ?? []).map((q) => ({ name: q.name, type: typeName(q.type), class: q.class ?? 'IN' }));
}

/** The OPT pseudo-record of the additional section, or undefined. */
export function findOpt(message: DecodedMessage): OptAnswer | undefined {
  return (message.additionals ?? []).find((rr): rr is OptAnswer => rr.type === 'OPT');
}

export function summariseEdns(message: DecodedMessage): EdnsSummary | null {
  const opt = findOpt(message);
  if (!opt) return null;
  return {
    udpSize: opt.udpPayloadSize,
    version: opt.ednsVersion,
    do: opt.flag_do,
    extendedRcode: opt.extendedRcode,
    options: (opt.options ?? []).map((o) => ({
      code: o.code,
      name: EDNS_OPTION_NAMES[o.code] ?? null,
      length: o.data?.length ?? ('length' in o && typeof o.length === 'number' ? o.length : 0),
    })),
  };
}

/** A decoded name (dns-packet drops the final dot) in absolute presentation form. */
function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** RFC 4034 §3.2 time: YYYYMMDDHHmmSS in UTC. */
function dnssecTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** RDATA of the DNSSEC types in their RFC 4034 presentation form; null for any other type. */
function presentDnssecData(type: string, data: unknown): string | null {
  if (data === null || typeof data !== 'object') return null;
  switch (type) {
    case 'RRSIG': {
      const sig = data as RrsigData;
      return `${sig.typeCovered} ${sig.algorithm} ${sig.labels} ${sig.originalTTL} ${dnssecTime(sig.expiration)} ${dnssecTime(sig.inception)} ${sig.keyTag} ${fqdn(sig.signersName)} ${sig.signature.toString('base64')}`;
    }
    case 'DNSKEY': {
      const key = data as DnskeyData;
      return `${key.flags} 3 ${key.algorithm} ${key.key.toString('base64')}`;
    }
    case 'DS': {
      const ds = data as DsData;
      return `${ds.keyTag} ${ds.algorithm} ${ds.digestType} ${ds.digest.toString('hex')}`;
    }
    case 'NSEC': {
      const nsec = data as NsecData;
      return `${fqdn(nsec.nextDomain)} ${nsec.rrtypes.join(' ')}`;
    }
    default:
      return null;
  }
}

/** RDATA in presentation form, for the record types the harness serves or meets. */
export function presentData(rr: Answer): string {
  const data = (rr as { data?: unknown }).data;
  if (typeof data === 'string') return data;
  if (isSvcbType(rr.type) && Buffer.isBuffer(data)) {
    try {
      return presentSvcb(decodeSvcb(data));
    } catch {
      return `\\# ${data.length} ${data.toString('hex')}`;
    }
  }
  if (Buffer.isBuffer(data)) return data.toString('hex');
  const dnssec = presentDnssecData(rr.type, data);
  if (dnssec !== null) return dnssec;
  if (Array.isArray(data)) return data.map((d) => (Buffer.isBuffer(d) ? d.toString('utf8') : String(d))).join(' ');
  if (rr.type === 'MX' && data && typeof data === 'object') {
    const mx = data as { preference?: number; exchange: string };
    return `${mx.preference ?? 0} ${mx.exchange}`;
  }
  if (rr.type === 'SOA' && data && typeof data === 'object') {
    const soa = data as {
      mname: string;
      rname: string;
      serial?: number;
      refresh?: number;
      retry?: number;
      expire?: number;
      minimum?: number;
    };
    return `${soa.mname} ${soa.rname} ${soa.serial ?? 0} ${soa.refresh ?? 0} ${soa.retry ?? 0} ${soa.expire ?? 0} ${soa.minimum ?? 0}`;
  }
  return JSON.stringify(data ?? null);
}

/** Records of a section, OPT left out (it is summarised as `edns`). */
export function summariseRecords(records: Answer[] | undefined): RecordSummary[] {
  return (records ?? [])
    .filter((rr) => rr.type !== 'OPT')
    .map((rr) => ({
      name: rr.name,
      type: typeName(rr.type),
      class: 'class' in rr && typeof rr.class === 'string' ? rr.class : 'IN',
      ttl: 'ttl' in rr && typeof rr.ttl === 'number' ? rr.ttl : 0,
      data: presentData(rr),
    }));
}
